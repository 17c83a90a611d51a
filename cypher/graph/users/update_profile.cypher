// Update the editable profile fields; a null parameter keeps the old value.
// $uid, $display_name, $bio
MATCH (u:User {uid: $uid})
SET u.display_name = coalesce($display_name, u.display_name),
    u.bio = coalesce($bio, u.bio)
RETURN u {.uid, .username, .display_name, .bio, .created_at,
         .avatar_id, .avatar_blurhash, .cover_id, .cover_blurhash} AS user
