// Whom $uid blocks, newest first, keyset-paginated on (created_at, uid).
// $uid, $after_at, $after_uid, $limit
MATCH (u:User {uid: $uid})-[r:BLOCKS]->(b:User)
WHERE $after_at IS NULL OR r.created_at < $after_at OR (r.created_at = $after_at AND b.uid < $after_uid)
RETURN b.uid AS uid, b.username AS username, b.display_name AS display_name, r.created_at AS at
ORDER BY r.created_at DESC, b.uid DESC
LIMIT $limit
