// Unblock (restores nothing). $blocker, $blocked (uids)
OPTIONAL MATCH (:User {uid: $blocker})-[r:BLOCKS]->(:User {uid: $blocked})
DELETE r
RETURN count(r) AS deleted
