// Block: (blocker)-[:BLOCKS]->(blocked). In the same transaction every
// follow, friendship, friend request and follow request between the two, in
// both directions, is removed. Returns created=false if it already existed,
// no row if a user is unknown. $blocker, $blocked (uids), $created_at
MATCH (a:User {uid: $blocker}), (b:User {uid: $blocked})
OPTIONAL MATCH (a)-[existing:BLOCKS]->(b)
WITH a, b, existing
OPTIONAL MATCH (a)-[r:FOLLOWS|FRIENDS_WITH|FRIEND_REQUEST|FOLLOW_REQUEST|CLOSE_FRIEND]-(b)
DELETE r
WITH DISTINCT a, b, existing
MERGE (a)-[k:BLOCKS]->(b)
  ON CREATE SET k.created_at = $created_at
RETURN existing IS NULL AS created
