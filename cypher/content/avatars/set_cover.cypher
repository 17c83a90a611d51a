// Point the user at a new cover picture (its variants are already stored) and
// return the id it replaces, so the service can delete the old objects.
// $uid, $picture_id, $blurhash. No row for an unknown user.
MATCH (u:User {uid: $uid})
WITH u, u.cover_id AS previous
SET u.cover_id = $picture_id, u.cover_blurhash = $blurhash
RETURN previous
