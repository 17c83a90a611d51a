// The suggestions $uid dismissed (for the data export), newest first. $uid
MATCH (a:User {uid: $uid})-[d:DISMISSED_SUGGESTION]->(b:User)
RETURN b.uid AS uid, b.username AS username, d.created_at AS created_at
ORDER BY d.created_at DESC, b.uid ASC
