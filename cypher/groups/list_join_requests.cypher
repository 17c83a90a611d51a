// Pending join requests of $group_id, oldest first, keyset-paginated on
// (created_at, uid). $group_id, $after_at (datetime or null), $after_uid, $limit
MATCH (u:User)-[r:REQUESTED_JOIN]->(:Group {uid: $group_id})
WHERE $after_at IS NULL OR r.created_at > $after_at OR (r.created_at = $after_at AND u.uid > $after_uid)
RETURN u.uid AS uid, u.username AS username, u.display_name AS display_name, r.created_at AS at
ORDER BY r.created_at, u.uid
LIMIT $limit
