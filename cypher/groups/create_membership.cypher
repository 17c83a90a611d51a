// Make $user a member of $group_id with $role (idempotent); their pending
// join request and invitation go in the same transaction. Returns
// created=false when already a member; no row if the user or group is unknown.
// $group_id, $user (uid), $role, $since
MATCH (u:User {uid: $user}), (g:Group {uid: $group_id})
OPTIONAL MATCH (u)-[existing:MEMBER_OF]->(g)
OPTIONAL MATCH (u)-[r:REQUESTED_JOIN|INVITED_TO]->(g)
DELETE r
WITH DISTINCT u, g, existing
MERGE (u)-[m:MEMBER_OF]->(g)
  ON CREATE SET m.role = $role, m.since = $since, m.owner = false
RETURN existing IS NULL AS created
