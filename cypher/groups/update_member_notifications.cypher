// How closely member $user follows $group_id: 'all' (every new post),
// 'highlights' (default: announcements, events) or 'off'. No row for
// non-members. $group_id, $user, $level
MATCH (:User {uid: $user})-[m:MEMBER_OF]->(:Group {uid: $group_id})
SET m.notify = $level
RETURN m.notify AS level
