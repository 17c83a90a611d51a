// Blocks that coexist with a follow, friendship, request or close-friend
// mark between the same two users, either way (doctor check
// graph.blocks_with_ties). $limit
MATCH (a:User)-[:BLOCKS]->(b:User)
MATCH (a)-[r:FOLLOWS|FRIENDS_WITH|FRIEND_REQUEST|FOLLOW_REQUEST|CLOSE_FRIEND]-(b)
WITH a.uid AS blocker, b.uid AS blocked, collect(DISTINCT type(r)) AS ties
RETURN blocker, blocked, ties
ORDER BY blocker, blocked
LIMIT $limit
