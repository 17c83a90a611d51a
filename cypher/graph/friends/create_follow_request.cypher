// A pending follow request to a locked account:
// (requester)-[:FOLLOW_REQUEST {created_at}]->(target). Run after
// graph/friends/get_pair_state in the same locking transaction.
// $requester, $target (uids), $created_at
MATCH (a:User {uid: $requester}), (b:User {uid: $target})
CREATE (a)-[r:FOLLOW_REQUEST {created_at: $created_at}]->(b)
RETURN r.created_at AS created_at
