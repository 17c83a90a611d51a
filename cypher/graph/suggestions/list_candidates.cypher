// Candidate generation: friends of the chosen intermediaries $via (rows
// {uid, username, ra: 1/friends, aa: 1/ln(friends)}), aggregated per
// reached user: common neighbours reached, resource-allocation and
// Adamic-Adar sums over them, two intermediaries' usernames for the reason.
// $exclude is a map {uid: true} of users never returned as candidates (the
// viewer, friends, follows sent, requests, blocks, mutes, dismissed): a map
// lookup, where `IN list` scans the list per row (measured 3x slower at 900
// friends). One row: `candidates`, the best $pool not excluded by resource
// allocation (then uid), and `walk`, the best $walk of all reached users
// (friends too) by the same sum, which is also the 2-step random-walk
// probability p2 from the viewer (times its friend count): the start of
// the 3-step walk feature (list_walk_scores); `hubs`: the reached users of
// the map $hubs ({uid: true}, a model's hub candidates) not excluded, with
// their own counts and sums wherever they rank (outside the pool they would
// otherwise come back as unreached, mutual 0). $uid, $via, $exclude, $pool,
// $walk, $hubs
UNWIND $via AS v
MATCH (f:User {uid: v.uid})-[:FRIENDS_WITH]-(s:User)
WHERE s.uid <> $uid
WITH s, count(*) AS mutual, sum(v.ra) AS ra, sum(v.aa) AS aa, collect(v.username) AS via
ORDER BY ra DESC, s.uid ASC
WITH collect({uid: s.uid, username: s.username, display_name: s.display_name, mutual: mutual, ra: ra, aa: aa,
              sample: via[0..2], out: $exclude[s.uid] IS NOT NULL}) AS reached
RETURN [c IN reached WHERE NOT c.out][0..$pool] AS candidates,
       [c IN reached | {uid: c.uid, p2: c.ra}][0..$walk] AS walk,
       [c IN reached WHERE $hubs[c.uid] IS NOT NULL AND NOT c.out] AS hubs
