// Short profiles for a list of uids (authors of a page of posts), with the
// avatar's picture id and blurhash (socialgraph.content.avatars). $uids
MATCH (u:User)
WHERE u.uid IN $uids
RETURN u.uid AS uid, u.username AS username, u.display_name AS display_name,
       u.avatar_id AS avatar_id, u.avatar_blurhash AS avatar_blurhash
