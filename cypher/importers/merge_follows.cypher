// Batch upsert of imported follows. $rows: [{a, b}] (uids), $created_at
UNWIND $rows AS row
MATCH (a:User {uid: row.a}), (b:User {uid: row.b})
MERGE (a)-[r:FOLLOWS]->(b)
  ON CREATE SET r.created_at = $created_at
RETURN count(r) AS follows
