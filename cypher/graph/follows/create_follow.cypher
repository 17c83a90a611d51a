// Follow: (follower)-[:FOLLOWS]->(followee). Run only inside the locking
// transaction of socialgraph/graph/pairs.py after graph/friends/get_pair_state
// found no follow (the MERGE is a second line of defence, not the guard: it
// does not serialise racing writers). Returns created=false when the
// relationship already existed, no row when either user does not exist.
// $follower, $followee (uids), $created_at
MATCH (a:User {uid: $follower}), (b:User {uid: $followee})
OPTIONAL MATCH (a)-[existing:FOLLOWS]->(b)
WITH a, b, existing
MERGE (a)-[r:FOLLOWS]->(b)
  ON CREATE SET r.created_at = $created_at
RETURN existing IS NULL AS created
