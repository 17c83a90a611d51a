// Follow: (follower)-[:FOLLOWS]->(followee). Run only inside the locking
// transaction of socialgraph/graph/pairs.py after graph/friends/get_pair_state
// found no follow (the MERGE is a second line of defence, not the guard: it
// does not serialise racing writers). Returns created=false when the
// relationship already existed, no row when either user does not exist.
// The stored degree counts (follower's following_count, followee's
// followers_count) go up by one when the relationship is new, in this
// transaction; a count not yet stored (null) stays null (see README, graph
// model). $follower, $followee (uids), $created_at
MATCH (a:User {uid: $follower}), (b:User {uid: $followee})
OPTIONAL MATCH (a)-[existing:FOLLOWS]->(b)
WITH a, b, existing, CASE WHEN existing IS NULL THEN 1 ELSE 0 END AS added
MERGE (a)-[r:FOLLOWS]->(b)
  ON CREATE SET r.created_at = $created_at
SET a.following_count = a.following_count + added,
    b.followers_count = b.followers_count + added
RETURN existing IS NULL AS created
