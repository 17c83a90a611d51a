// (user)-[:REQUESTED_JOIN {created_at}]->(group), idempotent; created=false if
// it existed. No row if the user or group is unknown. $group_id, $user, $created_at
MATCH (u:User {uid: $user}), (g:Group {uid: $group_id})
OPTIONAL MATCH (u)-[existing:REQUESTED_JOIN]->(g)
WITH u, g, existing
MERGE (u)-[r:REQUESTED_JOIN]->(g)
  ON CREATE SET r.created_at = $created_at
RETURN existing IS NULL AS created
