// The members of $group_id with role, owner flag and since, longest
// standing first (picking a group's owner in a doctor repair). $group_id
MATCH (u:User)-[m:MEMBER_OF]->(:Group {uid: $group_id})
RETURN u.uid AS uid, m.role AS role, coalesce(m.owner, false) AS owner, m.since AS since
ORDER BY m.since ASC, u.uid ASC
