// Whether the node of $uid exists and how many relationships it has (deletion checks). $uid
OPTIONAL MATCH (u:User {uid: $uid})
RETURN count(u) AS nodes, COUNT { (:User {uid: $uid})-[]-() } AS relationships
