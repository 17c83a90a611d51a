// Remove a user node and every relationship it has (compensation and account
// deletion). First the stored degree counts of the other side go down in the
// same transaction: those $uid follows lose a follower, its followers one
// followee, its friends a friend (one per relationship, as COUNT {} counts
// them). $uid
MATCH (u:User {uid: $uid})
OPTIONAL MATCH (u)-[:FOLLOWS]->(x:User)
WHERE x <> u
SET x.followers_count = x.followers_count - 1
WITH DISTINCT u
OPTIONAL MATCH (u)<-[:FOLLOWS]-(y:User)
WHERE y <> u
SET y.following_count = y.following_count - 1
WITH DISTINCT u
OPTIONAL MATCH (u)-[:FRIENDS_WITH]-(z:User)
WHERE z <> u
SET z.friends_count = z.friends_count - 1
WITH DISTINCT u
DETACH DELETE u
