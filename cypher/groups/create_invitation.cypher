// (invitee)-[:INVITED_TO {by, created_at}]->(group), idempotent; created=false
// if it existed. No row if the user or group is unknown.
// $group_id, $invitee (uid), $by (inviter uid), $created_at
MATCH (u:User {uid: $invitee}), (g:Group {uid: $group_id})
OPTIONAL MATCH (u)-[existing:INVITED_TO]->(g)
WITH u, g, existing
MERGE (u)-[r:INVITED_TO]->(g)
  ON CREATE SET r.by = $by, r.created_at = $created_at
RETURN existing IS NULL AS created
