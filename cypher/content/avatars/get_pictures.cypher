// The picture ids of a user (for the public picture routes and the archive). $uid
MATCH (u:User {uid: $uid})
RETURN u.uid AS uid, u.username AS username, u.display_name AS display_name,
       u.avatar_id AS avatar_id, u.avatar_blurhash AS avatar_blurhash,
       u.cover_id AS cover_id, u.cover_blurhash AS cover_blurhash
