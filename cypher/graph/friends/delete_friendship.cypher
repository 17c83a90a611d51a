// Unfriend: remove the friendship (either direction) and the follows both
// ways that come with it. Returns how many friendships were removed (0 or 1).
// The stored degree counts of both go down by what was removed, in this
// transaction. $a, $b (uids)
MATCH (a:User {uid: $a}), (b:User {uid: $b})
OPTIONAL MATCH (a)-[f:FRIENDS_WITH]-(b)
DELETE f
WITH a, b, count(f) AS deleted
OPTIONAL MATCH (a)-[x:FOLLOWS]->(b)
DELETE x
WITH a, b, deleted, count(x) AS ab
OPTIONAL MATCH (b)-[y:FOLLOWS]->(a)
DELETE y
WITH a, b, deleted, ab, count(y) AS ba
SET a.friends_count = a.friends_count - deleted,
    b.friends_count = b.friends_count - deleted,
    a.following_count = a.following_count - ab,
    b.followers_count = b.followers_count - ab,
    b.following_count = b.following_count - ba,
    a.followers_count = a.followers_count - ba
RETURN deleted
