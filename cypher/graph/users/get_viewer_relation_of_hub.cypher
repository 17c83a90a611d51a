// graph/users/get_viewer_relation for an owner with many relationships (a hub):
// the same answers, each pattern starting at the viewer, so ArcadeDB expands
// the viewer's relationships rather than the hub's. $viewer, $owner (uids)
MATCH (u:User {uid: $owner}), (v:User {uid: $viewer})
RETURN EXISTS { (v)-[:FOLLOWS]->(u) } AS followed_by_viewer,
       EXISTS { (v)<-[:FOLLOWS]-(u) } AS follows_viewer,
       EXISTS { (v)-[:BLOCKS]-(u) } AS blocked,
       EXISTS { (v)-[:FRIENDS_WITH]-(u) } AS friends,
       EXISTS { (v)-[:FRIEND_REQUEST]->(u) } AS request_sent,
       EXISTS { (v)<-[:FRIEND_REQUEST]-(u) } AS request_received,
       EXISTS { (v)-[:FOLLOW_REQUEST]->(u) } AS follow_requested
