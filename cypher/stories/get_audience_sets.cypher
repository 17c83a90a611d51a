// Who counts $viewer in a story audience: the uids $viewer is friends with
// (FRIENDS_WITH, either direction) and the uids that list $viewer as a close
// friend. One row; empty lists for an unknown viewer. $viewer
MATCH (v:User {uid: $viewer})
RETURN [(v)-[:FRIENDS_WITH]-(f:User) | f.uid] AS friends,
       [(o:User)-[:CLOSE_FRIEND]->(v) | o.uid] AS close_friend_of
