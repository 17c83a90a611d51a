// The start of a new post's fan-out in one round trip: how many users follow
// $uid, muters included (fan-out on write vs merge at read) and the
// first $limit follower uids in uid order, without the followers who mute
// $uid (as feeds/list_follower_uids with $after null). No row for an unknown
// $uid. $uid, $limit
MATCH (u:User {uid: $uid})
OPTIONAL MATCH (u)<-[:FOLLOWS]-(f:User)
WHERE NOT EXISTS { (f)-[:MUTES]->(u) }
WITH u, f.uid AS fu
ORDER BY fu
WITH u, collect(fu) AS uids
RETURN COUNT { (u)<-[:FOLLOWS]-(:User) } AS followers, uids[0..$limit] AS uids
