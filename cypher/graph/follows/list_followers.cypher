// Followers of $uid, newest follow first, keyset-paginated on
// (follow time, follower uid); users in $hidden are left out.
// $uid, $hidden (uids), $after_at (datetime or null), $after_uid, $limit
MATCH (u:User {uid: $uid})<-[r:FOLLOWS]-(f:User)
WHERE NOT f.uid IN $hidden
  AND ($after_at IS NULL OR r.created_at < $after_at
       OR (r.created_at = $after_at AND f.uid < $after_uid))
RETURN f.uid AS uid, f.username AS username, f.display_name AS display_name,
       r.created_at AS followed_at
ORDER BY r.created_at DESC, f.uid DESC
LIMIT $limit
