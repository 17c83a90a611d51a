// Remove the user's avatar picture; returns the id it had (null when none). $uid
MATCH (u:User {uid: $uid})
WITH u, u.avatar_id AS previous
REMOVE u.avatar_id, u.avatar_blurhash
RETURN previous
