// "How you are connected": one shortest chain of friendships from $viewer
// to $other, at most 4 hops, never through a user who blocks or is blocked
// by either end. No row if there is none. $viewer, $other (uids)
MATCH (a:User {uid: $viewer}), (b:User {uid: $other})
MATCH p = shortestPath((a)-[:FRIENDS_WITH*..4]-(b))
WHERE all(n IN nodes(p)[1..-1] WHERE NOT EXISTS { (n)-[:BLOCKS]-(a) } AND NOT EXISTS { (n)-[:BLOCKS]-(b) })
RETURN [n IN nodes(p) | n {.uid, .username, .display_name}] AS path
