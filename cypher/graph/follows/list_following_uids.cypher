// All uids $uid follows (input of the home feed). $uid
MATCH (:User {uid: $uid})-[:FOLLOWS]->(f:User)
RETURN f.uid AS uid
