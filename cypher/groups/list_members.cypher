// Members of $group_id, newest first, keyset-paginated on (since, uid);
// $role filters ('admin'|'moderator'|'member' or null for all).
// $group_id, $role, $after_at (datetime or null), $after_uid, $limit
MATCH (u:User)-[m:MEMBER_OF]->(:Group {uid: $group_id})
WHERE ($role IS NULL OR m.role = $role)
  AND ($after_at IS NULL OR m.since < $after_at OR (m.since = $after_at AND u.uid < $after_uid))
RETURN u.uid AS uid, u.username AS username, u.display_name AS display_name,
       m.role AS role, coalesce(m.owner, false) AS owner, m.since AS at
ORDER BY m.since DESC, u.uid DESC
LIMIT $limit
