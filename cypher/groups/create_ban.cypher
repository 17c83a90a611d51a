// Ban $user from $group_id: membership, join request and invitation go, and
// (user)-[:BANNED_FROM {by, created_at}]->(group) is made (idempotent).
// No row if the user or group is unknown. $group_id, $user, $by, $created_at
MATCH (u:User {uid: $user}), (g:Group {uid: $group_id})
OPTIONAL MATCH (u)-[r:MEMBER_OF|REQUESTED_JOIN|INVITED_TO]->(g)
DELETE r
WITH DISTINCT u, g
MERGE (u)-[b:BANNED_FROM]->(g)
  ON CREATE SET b.by = $by, b.created_at = $created_at
RETURN true AS banned
