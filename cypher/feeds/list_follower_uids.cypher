// One batch of follower uids of $uid (fan-out on write), keyset-paginated
// on uid; followers who mute $uid are left out (no entry, no feed update).
// $uid, $after (uid or null), $limit
MATCH (u:User {uid: $uid})<-[:FOLLOWS]-(f:User)
WHERE ($after IS NULL OR f.uid > $after) AND NOT EXISTS { (f)-[:MUTES]->(u) }
RETURN f.uid AS uid
ORDER BY f.uid
LIMIT $limit
