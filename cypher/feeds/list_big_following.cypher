// Followees of $uid with at least $threshold followers: their posts are not
// fanned out but merged into the home feed at read time (hybrid). $uid, $threshold
MATCH (:User {uid: $uid})-[:FOLLOWS]->(f:User)
WHERE COUNT { (f)<-[:FOLLOWS]-(:User) } >= $threshold
RETURN f.uid AS uid
