// A page of every user's names, by uid (rebuilding the user-search index,
// socialgraph.graph.usersearch): uid > $after ("" first), $limit rows. Uses
// the user_uid_unique index.
MATCH (u:User)
WHERE u.uid > $after
RETURN u.uid AS uid, u.username AS username, u.display_name AS display_name,
       u.avatar_id AS avatar_id, u.avatar_blurhash AS avatar_blurhash
ORDER BY u.uid
LIMIT $limit
