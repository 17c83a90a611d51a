// The sets of $uid a profile's first view reads instead of the pair's relation
// query (socialgraph.graph.profiles._fill_shared), each only when asked for
// (else null): following (uids $uid follows, as graph/follows/list_following_uids),
// followers (uids following $uid; null also when more than $cap), friends
// (its friends' usernames, as graph/friends/list_friend_usernames), sent /
// received / follow_sent (pending friend requests both ways and follow
// requests sent; each null also when more than $pending_cap). One round trip for what used to be up to four
// queries. No row when $uid is unknown.
// $uid, $cap, $pending_cap, $following, $followers, $friends, $pending (booleans)
MATCH (u:User {uid: $uid})
RETURN CASE WHEN $following THEN [(u)-[:FOLLOWS]->(x:User) | x.uid] END AS following,
       CASE WHEN $followers AND coalesce(u.followers_count, COUNT { (u)<-[:FOLLOWS]-(:User) }) <= $cap
            THEN [(u)<-[:FOLLOWS]-(x:User) | x.uid] END AS followers,
       CASE WHEN $friends THEN [(u)-[:FRIENDS_WITH]-(x:User) | x.username] END AS friends,
       CASE WHEN $pending AND COUNT { (u)-[:FRIEND_REQUEST]->(:User) } <= $pending_cap
            THEN [(u)-[:FRIEND_REQUEST]->(x:User) | x.uid] END AS sent,
       CASE WHEN $pending AND COUNT { (u)<-[:FRIEND_REQUEST]-(:User) } <= $pending_cap
            THEN [(u)<-[:FRIEND_REQUEST]-(x:User) | x.uid] END AS received,
       CASE WHEN $pending AND COUNT { (u)-[:FOLLOW_REQUEST]->(:User) } <= $pending_cap
            THEN [(u)-[:FOLLOW_REQUEST]->(x:User) | x.uid] END AS follow_sent
