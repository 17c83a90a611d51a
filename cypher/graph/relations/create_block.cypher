// Block: (blocker)-[:BLOCKS]->(blocked). In the same transaction every
// follow, friendship, friend request and follow request between the two, in
// both directions, is removed, and the stored degree counts of both go down
// by the follows and friendships removed. Returns created=false if it
// already existed, no row if a user is unknown. $blocker, $blocked (uids),
// $created_at
MATCH (a:User {uid: $blocker}), (b:User {uid: $blocked})
OPTIONAL MATCH (a)-[existing:BLOCKS]->(b)
WITH a, b, existing,
     COUNT { (a)-[:FOLLOWS]->(b) } AS ab,
     COUNT { (b)-[:FOLLOWS]->(a) } AS ba,
     COUNT { (a)-[:FRIENDS_WITH]-(b) } AS fr
OPTIONAL MATCH (a)-[r:FOLLOWS|FRIENDS_WITH|FRIEND_REQUEST|FOLLOW_REQUEST|CLOSE_FRIEND]-(b)
DELETE r
WITH DISTINCT a, b, existing, ab, ba, fr
SET a.following_count = a.following_count - ab,
    b.followers_count = b.followers_count - ab,
    b.following_count = b.following_count - ba,
    a.followers_count = a.followers_count - ba,
    a.friends_count = a.friends_count - fr,
    b.friends_count = b.friends_count - fr
MERGE (a)-[k:BLOCKS]->(b)
  ON CREATE SET k.created_at = $created_at
RETURN existing IS NULL AS created
