// Unmute. $muter, $muted (uids)
OPTIONAL MATCH (:User {uid: $muter})-[r:MUTES]->(:User {uid: $muted})
DELETE r
RETURN count(r) AS deleted
