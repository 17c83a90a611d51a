// Everything that decides a change between $actor and $other (follow,
// request, friendship, block, mute), read inside the locking transaction
// (socialgraph/graph/pairs.py); constant work per pair, so that a hub's follows
// stay cheap (friends of friends: graph/friends/get_friends_of_friends).
// No row if either is unknown.
// $actor, $other (uids)
MATCH (a:User {uid: $actor}), (o:User {uid: $other})
RETURN EXISTS { (a)-[:BLOCKS]-(o) } AS blocked,
       EXISTS { (a)-[:BLOCKS]->(o) } AS blocking,
       EXISTS { (a)-[:MUTES]->(o) } AS muting,
       EXISTS { (a)-[:FRIENDS_WITH]-(o) } AS friends,
       EXISTS { (a)-[:FRIEND_REQUEST]->(o) } AS request_sent,
       EXISTS { (o)-[:FRIEND_REQUEST]->(a) } AS request_received,
       EXISTS { (a)-[:FOLLOWS]->(o) } AS following,
       EXISTS { (a)-[:FOLLOW_REQUEST]->(o) } AS follow_requested,
       EXISTS { (o)-[:FOLLOW_REQUEST]->(a) } AS follow_request_received,
       coalesce(o.friend_requests_from, 'everyone') AS friend_requests_from,
       coalesce(o.locked, false) AS locked
