// Batch upsert of ego-Facebook circles as named lists of the ego user:
// (ego)-[:OWNS]->(:UserList {uid, name, created_at, source})-[:INCLUDES]->(member).
// Lists are MERGEd on their deterministic uid and members on the pair, so a
// re-run adds nothing; members not in the graph are skipped.
// $rows: [{owner, uid, name, members: [uids]}], $created_at, $source
UNWIND $rows AS row
MATCH (o:User {uid: row.owner})
MERGE (l:UserList {uid: row.uid})
  ON CREATE SET l.name = row.name, l.created_at = $created_at, l.source = $source
MERGE (o)-[:OWNS]->(l)
WITH l, row
UNWIND row.members AS member
MATCH (u:User {uid: member})
MERGE (l)-[i:INCLUDES]->(u)
  ON CREATE SET i.created_at = $created_at
RETURN count(DISTINCT l) AS lists, count(i) AS members
