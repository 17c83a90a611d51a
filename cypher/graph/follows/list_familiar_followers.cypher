// Accounts $viewer follows that follow $target ("followed by people you
// follow"), at most $limit, leaving out uids in $hidden. Starts at the
// viewer: the cost is the viewer's follows (up to ~10,000), not the
// target's followers (a hub has 100,000). $viewer, $target, $hidden, $limit
MATCH (v:User {uid: $viewer})-[:FOLLOWS]->(f:User)
WHERE f.uid <> $target AND NOT f.uid IN $hidden AND EXISTS { (f)-[:FOLLOWS]->(:User {uid: $target}) }
RETURN f.uid AS uid
ORDER BY f.uid
LIMIT $limit
