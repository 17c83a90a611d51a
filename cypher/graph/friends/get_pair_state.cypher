// Everything that decides a friend or follow request between $actor and
// $other, read inside the locking transaction. No row if either is unknown.
// $actor, $other (uids)
MATCH (a:User {uid: $actor}), (o:User {uid: $other})
RETURN EXISTS { (a)-[:BLOCKS]-(o) } AS blocked,
       EXISTS { (a)-[:FRIENDS_WITH]-(o) } AS friends,
       EXISTS { (a)-[:FRIEND_REQUEST]->(o) } AS request_sent,
       EXISTS { (o)-[:FRIEND_REQUEST]->(a) } AS request_received,
       EXISTS { (a)-[:FOLLOWS]->(o) } AS following,
       EXISTS { (a)-[:FOLLOW_REQUEST]->(o) } AS follow_requested,
       EXISTS { (o)-[:FOLLOW_REQUEST]->(a) } AS follow_request_received,
       EXISTS { (a)-[:FRIENDS_WITH]-(:User)-[:FRIENDS_WITH]-(o) } AS friends_of_friends,
       coalesce(o.friend_requests_from, 'everyone') AS friend_requests_from,
       coalesce(o.locked, false) AS locked
