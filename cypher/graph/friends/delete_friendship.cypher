// Unfriend: remove the friendship (either direction) and the follows both
// ways that come with it. Returns how many friendships were removed (0 or 1).
// $a, $b (uids)
MATCH (a:User {uid: $a}), (b:User {uid: $b})
OPTIONAL MATCH (a)-[f:FRIENDS_WITH]-(b)
DELETE f
WITH a, b, count(f) AS deleted
OPTIONAL MATCH (a)-[x:FOLLOWS]-(b)
DELETE x
RETURN deleted
