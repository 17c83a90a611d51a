// Set a (non-owner) member's role: 'admin', 'moderator' or 'member'.
// No row if $user is not a member or is the owner. $group_id, $user, $role
MATCH (:User {uid: $user})-[m:MEMBER_OF]->(:Group {uid: $group_id})
WHERE coalesce(m.owner, false) = false
SET m.role = $role
RETURN m.role AS role
