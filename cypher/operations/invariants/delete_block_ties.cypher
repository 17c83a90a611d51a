// Repair: the block wins, as when it was made (graph/relations/create_block):
// every follow, friendship, request and close-friend mark between $blocker
// and $blocked, both ways, goes. $blocker, $blocked (uids)
MATCH (a:User {uid: $blocker})-[r:FOLLOWS|FRIENDS_WITH|FRIEND_REQUEST|FOLLOW_REQUEST|CLOSE_FRIEND]-(b:User {uid: $blocked})
WHERE EXISTS { (a)-[:BLOCKS]->(b) }
DELETE r
RETURN count(*) AS deleted
