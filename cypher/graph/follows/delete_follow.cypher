// Unfollow. Returns the number of relationships removed (0 or 1; no row when
// either user does not exist); the stored degree counts (follower's
// following_count, followee's followers_count) go down by as many, in this
// transaction. $follower, $followee (uids)
MATCH (a:User {uid: $follower}), (b:User {uid: $followee})
OPTIONAL MATCH (a)-[r:FOLLOWS]->(b)
DELETE r
WITH a, b, count(r) AS deleted
SET a.following_count = a.following_count - deleted,
    b.followers_count = b.followers_count - deleted
RETURN deleted
