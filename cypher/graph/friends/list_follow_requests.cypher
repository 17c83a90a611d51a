// Pending follow requests sent to $uid (a locked account), newest first,
// keyset-paginated on (created_at, uid). $uid, $after_at, $after_uid, $limit
MATCH (u:User {uid: $uid})<-[r:FOLLOW_REQUEST]-(f:User)
WHERE $after_at IS NULL OR r.created_at < $after_at OR (r.created_at = $after_at AND f.uid < $after_uid)
RETURN f.uid AS uid, f.username AS username, f.display_name AS display_name, r.created_at AS at
ORDER BY r.created_at DESC, f.uid DESC
LIMIT $limit
