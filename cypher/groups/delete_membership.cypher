// Remove $user from $group_id unless they are the owner or the group's last
// admin (then deleted = 0; the service checks both first and answers 409,
// this guard keeps the rule under concurrent requests). $group_id, $user
MATCH (:User {uid: $user})-[m:MEMBER_OF]->(g:Group {uid: $group_id})
WITH m, COUNT { (:User)-[:MEMBER_OF {role: 'admin'}]->(g) } AS admins
WHERE coalesce(m.owner, false) = false AND (m.role <> 'admin' OR admins > 1)
DELETE m
RETURN count(*) AS deleted
