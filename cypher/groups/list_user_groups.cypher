// Groups $uid belongs to, with their role, by name. $uid
MATCH (:User {uid: $uid})-[m:MEMBER_OF]->(g:Group)
RETURN g {.uid, .name, .description, .privacy, .cover_key, .created_at} AS grp,
       m.role AS role, coalesce(m.owner, false) AS owner,
       COUNT { (:User)-[:MEMBER_OF]->(g) } AS member_count
ORDER BY g.name_lower, g.uid
