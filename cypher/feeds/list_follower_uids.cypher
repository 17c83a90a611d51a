// One batch of follower uids of $uid (fan-out on write), keyset-paginated
// on uid. $uid, $after (uid or null), $limit
MATCH (:User {uid: $uid})<-[:FOLLOWS]-(f:User)
WHERE $after IS NULL OR f.uid > $after
RETURN f.uid AS uid
ORDER BY f.uid
LIMIT $limit
