// Remove $user's join request to $group_id (reject or cancel). $group_id, $user
OPTIONAL MATCH (:User {uid: $user})-[r:REQUESTED_JOIN]->(:Group {uid: $group_id})
DELETE r
RETURN count(r) AS deleted
