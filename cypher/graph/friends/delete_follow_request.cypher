// Remove the pending follow request $requester -> $target (withdraw,
// reject, or the first step of approve). Returns how many were removed.
// $requester, $target (uids)
OPTIONAL MATCH (:User {uid: $requester})-[r:FOLLOW_REQUEST]->(:User {uid: $target})
DELETE r
RETURN count(r) AS deleted
