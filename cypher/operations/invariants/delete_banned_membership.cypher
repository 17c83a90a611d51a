// Repair: the ban wins; $user's membership of $group_id goes (only while
// the ban stands). $group_id, $user (uid)
MATCH (u:User {uid: $user})-[m:MEMBER_OF]->(g:Group {uid: $group_id})
WHERE EXISTS { (u)-[:BANNED_FROM]->(g) }
DELETE m
RETURN count(*) AS deleted
