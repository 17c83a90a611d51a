// A profile by uid, with follower/following counts. $uid
MATCH (u:User {uid: $uid})
RETURN u {.uid, .username, .display_name, .bio, .created_at} AS user,
       COUNT { (u)<-[:FOLLOWS]-(:User) } AS followers_count,
       COUNT { (u)-[:FOLLOWS]->(:User) } AS following_count
