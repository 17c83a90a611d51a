// Hand ownership of $group_id from $from_uid to the member $to_uid, who becomes an
// admin; $from_uid stays an admin. No row unless $from_uid owns the group and $to_uid is
// a member. $group_id, $from_uid, $to_uid (uids)
MATCH (:User {uid: $from_uid})-[a:MEMBER_OF]->(g:Group {uid: $group_id})<-[b:MEMBER_OF]-(:User {uid: $to_uid})
WHERE a.owner = true
SET a.owner = false, b.owner = true, b.role = 'admin'
RETURN g.uid AS uid
