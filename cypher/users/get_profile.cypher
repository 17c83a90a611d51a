// A profile with follower/following counts and whether the viewer follows it.
// $username (lower-case), $viewer (uid or null)
MATCH (u:User {username: $username})
RETURN u {.uid, .username, .display_name, .bio, .created_at} AS user,
       COUNT { (u)<-[:FOLLOWS]-(:User) } AS followers_count,
       COUNT { (u)-[:FOLLOWS]->(:User) } AS following_count,
       EXISTS { (:User {uid: $viewer})-[:FOLLOWS]->(u) } AS followed_by_viewer,
       EXISTS { (u)-[:FOLLOWS]->(:User {uid: $viewer}) } AS follows_viewer
