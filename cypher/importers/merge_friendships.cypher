// Batch upsert of imported friendships: one FRIENDS_WITH per pair, stored
// a -> b unless the pair already has one b -> a, so re-runs and reversed
// edges add nothing. (A directed MERGE after a reverse check rather than an
// undirected MERGE: same result, about twice as fast on ArcadeDB.)
// $rows: [{a, b}] (uids), $created_at
UNWIND $rows AS row
MATCH (a:User {uid: row.a}), (b:User {uid: row.b})
WHERE NOT (b)-[:FRIENDS_WITH]->(a)
MERGE (a)-[r:FRIENDS_WITH]->(b)
  ON CREATE SET r.since = $created_at
RETURN count(r) AS friendships
