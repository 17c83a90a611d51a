// Mute: (muter)-[:MUTES]->(muted); invisible to the muted user.
// $muter, $muted (uids), $created_at
MATCH (a:User {uid: $muter}), (b:User {uid: $muted})
OPTIONAL MATCH (a)-[existing:MUTES]->(b)
WITH a, b, existing
MERGE (a)-[m:MUTES]->(b)
  ON CREATE SET m.created_at = $created_at
RETURN existing IS NULL AS created
