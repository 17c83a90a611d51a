// Repair: keep the oldest FRIENDS_WITH between $a and $b (either
// direction, by since), delete the others. $a, $b (uids)
MATCH (:User {uid: $a})-[r:FRIENDS_WITH]-(:User {uid: $b})
WITH r ORDER BY r.since ASC
SKIP 1
DELETE r
RETURN count(*) AS deleted
