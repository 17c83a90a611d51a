// Candidate generation: friends of the chosen intermediaries $via (rows
// {uid, username, ra: 1/degree, aa: 1/ln(degree), since}), aggregated per
// candidate: common neighbours reached, resource allocation and Adamic-Adar
// sums over them, the newest connecting friendship and two intermediaries'
// usernames for the reason. $exclude is a map {uid: true} of users never
// returned (the viewer, friends, follows sent, requests, blocks, mutes,
// dismissed): a map lookup, where `IN list` scans the list per row. The best
// $pool by resource allocation (then uid) are returned. $via, $exclude, $pool
UNWIND $via AS v
MATCH (f:User {uid: v.uid})-[:FRIENDS_WITH]-(s:User)
WHERE $exclude[s.uid] IS NULL
WITH s, count(*) AS mutual, sum(v.ra) AS ra, sum(v.aa) AS aa, max(v.since) AS newest, collect(v.username) AS via
ORDER BY ra DESC, s.uid ASC
LIMIT $pool
RETURN s.uid AS uid, s.username AS username, s.display_name AS display_name, mutual, ra, aa, newest,
       via[0..2] AS sample
