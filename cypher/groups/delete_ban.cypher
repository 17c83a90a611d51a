// Lift $user's ban from $group_id (they may join or be invited again). $group_id, $user
OPTIONAL MATCH (:User {uid: $user})-[b:BANNED_FROM]->(:Group {uid: $group_id})
DELETE b
RETURN count(b) AS deleted
