// Usernames of the friends $viewer and $owner share, walked from the
// viewer's side: the viewer's friends, each checked for a friendship with
// the owner. For an owner with many friends (a hub) this costs the viewer's
// friends' relationships instead of reading the hub's whole friend list
// (graph/friends/list_friend_usernames). $viewer, $owner (uids)
MATCH (v:User {uid: $viewer})-[:FRIENDS_WITH]-(x:User)
WHERE x.uid <> $owner AND EXISTS { (x)-[:FRIENDS_WITH]-(:User {uid: $owner}) }
RETURN DISTINCT x.username AS username
