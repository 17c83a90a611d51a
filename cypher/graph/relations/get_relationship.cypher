// How $viewer stands to $other: every relationship that matters for
// authorisation, in one round trip. $viewer, $other (uids)
MATCH (v:User {uid: $viewer}), (o:User {uid: $other})
RETURN EXISTS { (v)-[:BLOCKS]->(o) } AS blocking,
       EXISTS { (o)-[:BLOCKS]->(v) } AS blocked_by,
       EXISTS { (v)-[:MUTES]->(o) } AS muting,
       EXISTS { (v)-[:FOLLOWS]->(o) } AS following,
       EXISTS { (o)-[:FOLLOWS]->(v) } AS followed_by,
       EXISTS { (v)-[:FRIENDS_WITH]-(o) } AS friends,
       EXISTS { (o)-[:CLOSE_FRIEND]->(v) } AS close_friend_of
