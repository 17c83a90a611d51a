// Users who are banned from a group and still a member of it (doctor
// check groups.banned_members). $limit
MATCH (u:User)-[:BANNED_FROM]->(g:Group)
MATCH (u)-[:MEMBER_OF]->(g)
RETURN DISTINCT u.uid AS uid, g.uid AS group_id
ORDER BY group_id, uid
LIMIT $limit
