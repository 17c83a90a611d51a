// Friend suggestions from groups: users who share groups with $uid, ranked by
// groups in common. Excludes $uid, current friends and anyone blocked either
// way. Meant to be joined with other suggestion sources on `uid`.
// Returns uid, username, display_name, groups_in_common. $uid, $limit
MATCH (me:User {uid: $uid})-[:MEMBER_OF]->(g:Group)<-[:MEMBER_OF]-(other:User)
WHERE other.uid <> $uid
  AND NOT EXISTS { (me)-[:FRIENDS_WITH]-(other) }
  AND NOT EXISTS { (me)-[:BLOCKS]-(other) }
WITH other, count(DISTINCT g) AS groups_in_common
RETURN other.uid AS uid, other.username AS username, other.display_name AS display_name,
       groups_in_common
ORDER BY groups_in_common DESC, uid
LIMIT $limit
