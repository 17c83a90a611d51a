// The pending requests of $uid, for its profile-relation copy
// (socialgraph.graph.people.pending_requests): the uids it sent a friend
// request to (sent), received one from (received) and asked to follow
// (follow_sent, locked accounts). A list with more than $cap entries is null
// (not copied). No row when $uid is unknown. $uid, $cap
MATCH (u:User {uid: $uid})
RETURN CASE WHEN COUNT { (u)-[:FRIEND_REQUEST]->(:User) } <= $cap
            THEN [(u)-[:FRIEND_REQUEST]->(x:User) | x.uid] END AS sent,
       CASE WHEN COUNT { (u)<-[:FRIEND_REQUEST]-(:User) } <= $cap
            THEN [(u)<-[:FRIEND_REQUEST]-(x:User) | x.uid] END AS received,
       CASE WHEN COUNT { (u)-[:FOLLOW_REQUEST]->(:User) } <= $cap
            THEN [(u)-[:FOLLOW_REQUEST]->(x:User) | x.uid] END AS follow_sent
