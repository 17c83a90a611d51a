// Every group with its number of owners, admins and members (doctor check
// groups.leadership keeps those with owners <> 1 or admins < 1).
// $after (group uid or ''), $limit: keyset pages over the groups
MATCH (g:Group)
WHERE g.uid > $after
WITH g ORDER BY g.uid LIMIT $limit
RETURN g.uid AS group_id,
       COUNT { (:User)-[:MEMBER_OF {owner: true}]->(g) } AS owners,
       COUNT { (:User)-[:MEMBER_OF {role: 'admin'}]->(g) } AS admins,
       COUNT { (:User)-[:MEMBER_OF]->(g) } AS members
