// Candidate generation: friends of the chosen intermediaries $via (rows
// {uid, username, ra: 1/friends, aa: 1/ln(friends)}), aggregated per
// candidate: common neighbours reached, resource-allocation and Adamic-Adar
// sums over them, two intermediaries' usernames for the reason. $exclude is
// a map {uid: true} of users never returned (the viewer, friends, follows
// sent, requests, blocks, mutes, dismissed): a map lookup, where `IN list`
// scans the list per row (measured 3x slower at 900 friends). The best
// $pool by resource allocation (then uid), as one row. $via, $exclude, $pool
UNWIND $via AS v
MATCH (f:User {uid: v.uid})-[:FRIENDS_WITH]-(s:User)
WHERE $exclude[s.uid] IS NULL
WITH s, count(*) AS mutual, sum(v.ra) AS ra, sum(v.aa) AS aa, collect(v.username) AS via
ORDER BY ra DESC, s.uid ASC
LIMIT $pool
RETURN collect({uid: s.uid, username: s.username, display_name: s.display_name, mutual: mutual, ra: ra, aa: aa,
                sample: via[0..2]}) AS candidates
