// Pairs of users holding more than one FRIENDS_WITH, counted in either
// direction (one per pair, its direction meaningless). $limit
MATCH (a:User)-[r:FRIENDS_WITH]-(b:User)
WHERE a.uid < b.uid
WITH a.uid AS a, b.uid AS b, count(r) AS n
WHERE n > 1
RETURN a, b, 'FRIENDS_WITH' AS rel, n
ORDER BY a, b
LIMIT $limit
