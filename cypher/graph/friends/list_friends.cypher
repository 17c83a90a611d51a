// Friends of $uid, newest friendship first, keyset-paginated on
// (since, uid); users in $hidden (blocked either way by the viewer) are left
// out. $uid, $hidden (uids), $after_at (datetime or null), $after_uid, $limit
MATCH (u:User {uid: $uid})-[r:FRIENDS_WITH]-(f:User)
WHERE NOT f.uid IN $hidden
  AND ($after_at IS NULL OR r.since < $after_at OR (r.since = $after_at AND f.uid < $after_uid))
RETURN f.uid AS uid, f.username AS username, f.display_name AS display_name, r.since AS at
ORDER BY r.since DESC, f.uid DESC
LIMIT $limit
