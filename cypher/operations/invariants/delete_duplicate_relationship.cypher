// Repair: keep the oldest of the $rel relationships $a -> $b (by
// created_at/since), delete the others. $a, $b (uids), $rel (type name)
MATCH (:User {uid: $a})-[r]->(b {uid: $b})
WHERE type(r) = $rel
WITH r ORDER BY coalesce(r.created_at, r.since) ASC
SKIP 1
DELETE r
RETURN count(*) AS deleted
