// Dismiss a suggestion: (viewer)-[:DISMISSED_SUGGESTION {created_at}]->(dismissed);
// the dismissed user is never suggested to the viewer again. Idempotent.
// $viewer, $dismissed (uids), $created_at
MATCH (a:User {uid: $viewer}), (b:User {uid: $dismissed})
OPTIONAL MATCH (a)-[existing:DISMISSED_SUGGESTION]->(b)
WITH a, b, existing
MERGE (a)-[d:DISMISSED_SUGGESTION]->(b)
  ON CREATE SET d.created_at = $created_at
RETURN existing IS NULL AS created
