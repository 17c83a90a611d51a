// Delete every named list $uid owns with its INCLUDES (account deletion: the
// lists are not reachable once the user node is gone). $uid
OPTIONAL MATCH (:User {uid: $uid})-[:OWNS]->(l:UserList)
DETACH DELETE l
RETURN count(l) AS deleted
