// How $viewer stands to $owner, for a profile: follows both ways, blocks,
// friendship and pending requests (one-hop checks only; not friends of
// friends, which only friend-request checks need). $viewer, $owner (uids)
MATCH (u:User {uid: $owner}), (v:User {uid: $viewer})
RETURN EXISTS { (v)-[:FOLLOWS]->(u) } AS followed_by_viewer,
       EXISTS { (u)-[:FOLLOWS]->(v) } AS follows_viewer,
       EXISTS { (v)-[:BLOCKS]-(u) } AS blocked,
       EXISTS { (v)-[:FRIENDS_WITH]-(u) } AS friends,
       EXISTS { (v)-[:FRIEND_REQUEST]->(u) } AS request_sent,
       EXISTS { (u)-[:FRIEND_REQUEST]->(v) } AS request_received,
       EXISTS { (v)-[:FOLLOW_REQUEST]->(u) } AS follow_requested
