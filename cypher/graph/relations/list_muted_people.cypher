// Whom $uid mutes, newest first, keyset-paginated on (created_at, uid).
// $uid, $after_at, $after_uid, $limit
MATCH (u:User {uid: $uid})-[r:MUTES]->(m:User)
WHERE $after_at IS NULL OR r.created_at < $after_at OR (r.created_at = $after_at AND m.uid < $after_uid)
RETURN m.uid AS uid, m.username AS username, m.display_name AS display_name, r.created_at AS at
ORDER BY r.created_at DESC, m.uid DESC
LIMIT $limit
