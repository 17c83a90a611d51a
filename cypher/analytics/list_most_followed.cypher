// Analytics: the most followed users (in-degree of FOLLOWS), with how many
// they follow and how many friends they have.
// Parameters: $limit (e.g. 25). In the Neo4j Browser: `:param limit => 25`.
MATCH (u:User)
WITH u, COUNT { (u)<-[:FOLLOWS]-(:User) } AS followers
ORDER BY followers DESC, u.username ASC
LIMIT $limit
RETURN u.username AS username, followers,
       COUNT { (u)-[:FOLLOWS]->(:User) } AS following,
       COUNT { (u)-[:FRIENDS_WITH]-(:User) } AS friends
