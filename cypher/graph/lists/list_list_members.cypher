// Members of $owner's list $list, newest first, keyset-paginated on
// (created_at, uid). $owner, $list, $after_at (datetime or null), $after_uid, $limit
MATCH (:User {uid: $owner})-[:OWNS]->(:UserList {uid: $list})-[i:INCLUDES]->(m:User)
WHERE $after_at IS NULL OR i.created_at < $after_at OR (i.created_at = $after_at AND m.uid < $after_uid)
RETURN m.uid AS uid, m.username AS username, m.display_name AS display_name, i.created_at AS at
ORDER BY i.created_at DESC, m.uid DESC
LIMIT $limit
