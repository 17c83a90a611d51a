// Remove the pending request $requester -> $target (cancel, decline, or
// the first step of accept). Returns how many were removed (0 or 1).
// $requester, $target (uids)
OPTIONAL MATCH (:User {uid: $requester})-[r:FRIEND_REQUEST]->(:User {uid: $target})
DELETE r
RETURN count(r) AS deleted
