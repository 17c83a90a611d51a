// Point the user at a new avatar picture (its variants are already stored) and
// return the id it replaces, so the service can delete the old objects.
// $uid, $picture_id, $blurhash. No row for an unknown user.
MATCH (u:User {uid: $uid})
WITH u, u.avatar_id AS previous
SET u.avatar_id = $picture_id, u.avatar_blurhash = $blurhash
RETURN previous
