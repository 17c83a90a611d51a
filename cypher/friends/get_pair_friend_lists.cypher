// The friends (usernames) of $a and of $b, as two lists in one row; the
// service intersects them for the mutual-friend count and sample.
// (Two expansions and a set intersection in Python: on ArcadeDB about 3x
// faster at p95 than matching the second hop with a pattern predicate, and
// linear on Neo4j too.) No row if either is unknown. $a, $b (uids)
MATCH (a:User {uid: $a}), (b:User {uid: $b})
RETURN [(a)-[:FRIENDS_WITH]-(x:User) | x.username] AS a_friends,
       [(b)-[:FRIENDS_WITH]-(y:User) | y.username] AS b_friends
