// Batch upsert of imported friendships: one undirected FRIENDS_WITH per pair
// (MERGE without direction matches an existing one either way, so a re-run
// and a reversed edge add nothing). $rows: [{a, b}] (uids), $created_at
UNWIND $rows AS row
MATCH (a:User {uid: row.a}), (b:User {uid: row.b})
MERGE (a)-[r:FRIENDS_WITH]-(b)
  ON CREATE SET r.since = $created_at
RETURN count(r) AS friendships
