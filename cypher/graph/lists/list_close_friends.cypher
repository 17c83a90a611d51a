// $owner's close friends, newest first, keyset-paginated on (created_at, uid).
// $owner, $after_at (datetime or null), $after_uid, $limit
MATCH (:User {uid: $owner})-[c:CLOSE_FRIEND]->(m:User)
WHERE $after_at IS NULL OR c.created_at < $after_at OR (c.created_at = $after_at AND m.uid < $after_uid)
RETURN m.uid AS uid, m.username AS username, m.display_name AS display_name, c.created_at AS at
ORDER BY c.created_at DESC, m.uid DESC
LIMIT $limit
