// A pending friend request (requester)-[:FRIEND_REQUEST {created_at}]->(target).
// Run only after graph/friends/get_pair_state said there is none, in the same
// transaction. $requester, $target (uids), $created_at
MATCH (a:User {uid: $requester}), (b:User {uid: $target})
CREATE (a)-[r:FRIEND_REQUEST {created_at: $created_at}]->(b)
RETURN r.created_at AS created_at
