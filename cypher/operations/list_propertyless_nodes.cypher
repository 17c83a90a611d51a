// Nodes without any property, and User nodes without a uid: left by failed
// writes, reachable by nobody. $limit
MATCH (n)
WHERE size(keys(n)) = 0 OR (n:User AND n.uid IS NULL)
RETURN elementId(n) AS id, labels(n) AS labels
LIMIT $limit
