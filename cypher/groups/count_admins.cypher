// How many admins group $group_id has (the owner is one), read inside the
// group-locking transaction before a demotion, removal, ban or leave.
// $group_id
MATCH (g:Group {uid: $group_id})
RETURN COUNT { (:User)-[:MEMBER_OF {role: 'admin'}]->(g) } AS admins
