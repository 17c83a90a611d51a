// Remove the user's cover picture; returns the id it had (null when none). $uid
MATCH (u:User {uid: $uid})
WITH u, u.cover_id AS previous
REMOVE u.cover_id, u.cover_blurhash
RETURN previous
