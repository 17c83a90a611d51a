// Delete one of $owner's lists and its INCLUDES. Returns how many were deleted.
// $owner, $list (list uid)
OPTIONAL MATCH (:User {uid: $owner})-[:OWNS]->(l:UserList {uid: $list})
DETACH DELETE l
RETURN count(l) AS deleted
