// Create a group and make $owner its owning admin
// (MEMBER_OF {role: 'admin', owner: true}). No row if $owner is unknown.
// $owner (uid), $uid, $group_name, $name_lower, $description, $privacy, $cover_key, $created_at
MATCH (u:User {uid: $owner})
CREATE (g:Group {uid: $uid, name: $group_name, name_lower: $name_lower, description: $description,
                 privacy: $privacy, cover_key: $cover_key, created_at: $created_at})
CREATE (u)-[:MEMBER_OF {role: 'admin', owner: true, since: $created_at}]->(g)
RETURN g.uid AS uid
