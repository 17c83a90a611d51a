// Group suggestions: groups $uid's friends belong to that $uid is not in,
// ranked by how many friends are members. Never secret groups, never groups
// $uid is banned from, never through a blocked friend. $uid, $limit
MATCH (me:User {uid: $uid})-[:FRIENDS_WITH]-(f:User)-[:MEMBER_OF]->(g:Group)
WHERE g.privacy <> 'secret'
  AND NOT EXISTS { (me)-[:MEMBER_OF]->(g) }
  AND NOT EXISTS { (me)-[:BANNED_FROM]->(g) }
  AND NOT EXISTS { (me)-[:BLOCKS]-(f) }
WITH g, count(DISTINCT f) AS friends
RETURN g {.uid, .name, .description, .privacy, .cover_key, .created_at} AS grp,
       friends, COUNT { (:User)-[:MEMBER_OF]->(g) } AS member_count
ORDER BY friends DESC, g.uid
LIMIT $limit
