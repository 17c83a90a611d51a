// Pairs holding more than one directed relationship of a type that allows
// one per pair (doctor check graph.duplicate_relationships).
// $types (relationship type names), $limit
MATCH (a:User)-[r]->(b)
WHERE type(r) IN $types
WITH a.uid AS a, b.uid AS b, type(r) AS rel, count(r) AS n
WHERE n > 1
RETURN a, b, rel, n
ORDER BY rel, a, b
LIMIT $limit
