// Hand ownership of $group_id from $from to the member $to, who becomes an
// admin; $from stays an admin. No row unless $from owns the group and $to is
// a member. $group_id, $from, $to (uids)
MATCH (:User {uid: $from})-[a:MEMBER_OF]->(g:Group {uid: $group_id})<-[b:MEMBER_OF]-(:User {uid: $to})
WHERE a.owner = true
SET a.owner = false, b.owner = true, b.role = 'admin'
RETURN g.uid AS uid
