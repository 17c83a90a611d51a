// Analytics: communities among one user's friends (their ego network).
// Each friend joins the one among itself and its friends inside the ego
// network that has the most connections inside it (ties by username): one
// round of degree-seeded label propagation (U. N. Raghavan, R. Albert and
// S. Kumara, "Near linear time algorithm to detect community structures in
// large-scale networks", Phys. Rev. E 2007), runnable without plugins. With
// the Graph Data Science library, `gds.louvain` on the same subgraph is the
// thorough alternative. Parameters: $username. One row per community: its
// leader, size and up to 10 members.
MATCH (u:User {username: $username})-[:FRIENDS_WITH]-(f:User)
WITH collect(f) AS ego
UNWIND ego AS f
OPTIONAL MATCH (f)-[:FRIENDS_WITH]-(n:User)
WHERE n IN ego
WITH ego, f, collect(n) + [f] AS candidates
UNWIND candidates AS c
WITH f, c, size([(c)-[:FRIENDS_WITH]-(y:User) WHERE y IN ego | y]) AS inner
ORDER BY inner DESC, c.username ASC
WITH f, head(collect(c)) AS leader
WITH leader, collect(f.username) AS members
RETURN leader.username AS leader, size(members) AS size, members[0..10] AS sample
ORDER BY size DESC, leader ASC
