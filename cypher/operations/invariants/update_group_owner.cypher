// Repair: $owner becomes the one owner of $group_id (and an admin); every
// other member's owner flag is cleared (roles otherwise kept).
// $group_id, $owner (uid)
MATCH (u:User)-[m:MEMBER_OF]->(:Group {uid: $group_id})
SET m.owner = (u.uid = $owner),
    m.role = CASE WHEN u.uid = $owner THEN 'admin' ELSE m.role END
RETURN count(m) AS members
