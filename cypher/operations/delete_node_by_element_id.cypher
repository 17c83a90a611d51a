// Remove one node found by list_propertyless_nodes. $id
MATCH (n)
WHERE elementId(n) = $id
DETACH DELETE n
RETURN count(*) AS deleted
