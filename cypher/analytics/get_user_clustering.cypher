// Analytics: triangles and local clustering coefficient of one user in the
// friendship graph: triangles = pairs of the user's friends who are friends
// themselves; clustering = triangles / (k (k - 1) / 2), k = number of friends
// (D. J. Watts and S. H. Strogatz, "Collective dynamics of 'small-world'
// networks", Nature 1998). Parameters: $username.
MATCH (u:User {username: $username})
OPTIONAL MATCH (u)-[:FRIENDS_WITH]-(a:User)-[:FRIENDS_WITH]-(b:User)
WHERE a.uid < b.uid AND (u)-[:FRIENDS_WITH]-(b)
WITH u, count(b) AS triangles
WITH u, triangles, COUNT { (u)-[:FRIENDS_WITH]-(:User) } AS k
RETURN u.username AS username, k AS friends, triangles,
       CASE WHEN k < 2 THEN 0.0 ELSE 2.0 * triangles / (k * (k - 1)) END AS clustering
