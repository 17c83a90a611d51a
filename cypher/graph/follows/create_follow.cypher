// Follow: (follower)-[:FOLLOWS]->(followee), idempotent.
// Returns created=false when the relationship already existed, and no row
// when either user does not exist. $follower, $followee (uids), $created_at
MATCH (a:User {uid: $follower}), (b:User {uid: $followee})
OPTIONAL MATCH (a)-[existing:FOLLOWS]->(b)
WITH a, b, existing
MERGE (a)-[r:FOLLOWS]->(b)
  ON CREATE SET r.created_at = $created_at
RETURN existing IS NULL AS created
