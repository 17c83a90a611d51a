// Remove $user's invitation to $group_id (declined). $group_id, $user
OPTIONAL MATCH (:User {uid: $user})-[r:INVITED_TO]->(:Group {uid: $group_id})
DELETE r
RETURN count(r) AS deleted
