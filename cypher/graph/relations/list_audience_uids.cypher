// Audience sets of $uid for checking many authors at once (lists, feeds):
// whom $uid follows, $uid's friends (FRIENDS_WITH, undirected) and the
// authors who put $uid on their close-friends list. $uid
MATCH (u:User {uid: $uid})
RETURN [(u)-[:FOLLOWS]->(f:User) | f.uid] AS following,
       [(u)-[:FRIENDS_WITH]-(f:User) | f.uid] AS friends,
       [(a:User)-[:CLOSE_FRIEND]->(u) | a.uid] AS close_friend_of
