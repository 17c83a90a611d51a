// How $user stands to group $group_id: role (null for non-members), owner,
// invited, requested, banned. No row when the user or group is unknown.
// $group_id, $user (uid)
MATCH (u:User {uid: $user}), (g:Group {uid: $group_id})
OPTIONAL MATCH (u)-[m:MEMBER_OF]->(g)
RETURN m.role AS role, coalesce(m.owner, false) AS owner,
       EXISTS { (u)-[:INVITED_TO]->(g) } AS invited,
       EXISTS { (u)-[:REQUESTED_JOIN]->(g) } AS requested,
       EXISTS { (u)-[:BANNED_FROM]->(g) } AS banned
