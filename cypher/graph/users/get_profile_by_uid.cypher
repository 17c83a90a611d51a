// A profile by uid, with follower/following counts. $uid
MATCH (u:User {uid: $uid})
RETURN u {.uid, .username, .display_name, .bio, .created_at,
         .avatar_id, .avatar_blurhash, .cover_id, .cover_blurhash} AS user,
       coalesce(u.followers_count, COUNT { (u)<-[:FOLLOWS]-(:User) }) AS followers_count,
       coalesce(u.following_count, COUNT { (u)-[:FOLLOWS]->(:User) }) AS following_count
