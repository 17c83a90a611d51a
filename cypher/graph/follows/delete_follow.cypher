// Unfollow. Returns the number of relationships removed (0 or 1).
// $follower, $followee (uids)
OPTIONAL MATCH (:User {uid: $follower})-[r:FOLLOWS]->(:User {uid: $followee})
DELETE r
RETURN count(r) AS deleted
