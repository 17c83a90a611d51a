// How $viewer stands to $owner, for a profile: follows both ways, blocks,
// friendship and pending requests (one-hop checks only; not friends of
// friends, which only friend-request checks need). Each pattern starts at
// the owner: ArcadeDB expands a pattern from its first node, so this costs
// the owner's relationships, not the viewer's (a viewer who follows 9,458
// accounts: p50 3.5 -> 0.6 ms). For owners with many relationships the
// service runs graph/users/get_viewer_relation_of_hub instead. (Neo4j's
// Expand(Into) picks the node with fewer relationships by itself.)
// $viewer, $owner (uids)
MATCH (u:User {uid: $owner}), (v:User {uid: $viewer})
RETURN EXISTS { (u)<-[:FOLLOWS]-(v) } AS followed_by_viewer,
       EXISTS { (u)-[:FOLLOWS]->(v) } AS follows_viewer,
       EXISTS { (u)-[:BLOCKS]-(v) } AS blocked,
       EXISTS { (u)-[:FRIENDS_WITH]-(v) } AS friends,
       EXISTS { (u)<-[:FRIEND_REQUEST]-(v) } AS request_sent,
       EXISTS { (u)-[:FRIEND_REQUEST]->(v) } AS request_received,
       EXISTS { (u)<-[:FOLLOW_REQUEST]-(v) } AS follow_requested
