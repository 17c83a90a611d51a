// A group with its member count and how $viewer (uid or null) stands to it:
// role (null for non-members), owner flag, pending invitation, pending join
// request, ban, notification level. No row for an unknown group. $group_id, $viewer
MATCH (g:Group {uid: $group_id})
OPTIONAL MATCH (:User {uid: $viewer})-[m:MEMBER_OF]->(g)
RETURN g {.uid, .name, .description, .privacy, .cover_key, .created_at} AS grp,
       m.role AS role, coalesce(m.owner, false) AS owner, coalesce(m.notify, 'highlights') AS notify,
       COUNT { (:User)-[:MEMBER_OF]->(g) } AS member_count,
       EXISTS { (:User {uid: $viewer})-[:INVITED_TO]->(g) } AS invited,
       EXISTS { (:User {uid: $viewer})-[:REQUESTED_JOIN]->(g) } AS requested,
       EXISTS { (:User {uid: $viewer})-[:BANNED_FROM]->(g) } AS banned
