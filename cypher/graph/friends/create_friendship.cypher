// Accept: one FRIENDS_WITH {since} between the two (stored requester ->
// target, always matched undirected) and a follow each way, so that friends
// see each other's posts. Run only after the pending request was removed in
// the same locking transaction. The stored degree counts follow: friends_count
// of both +1, following/followers_count +1 for each follow that is new.
// $requester, $target (uids), $since
MATCH (a:User {uid: $requester}), (b:User {uid: $target})
OPTIONAL MATCH (a)-[ab:FOLLOWS]->(b)
OPTIONAL MATCH (b)-[ba:FOLLOWS]->(a)
WITH a, b, CASE WHEN ab IS NULL THEN 1 ELSE 0 END AS new_ab, CASE WHEN ba IS NULL THEN 1 ELSE 0 END AS new_ba
CREATE (a)-[f:FRIENDS_WITH {since: $since}]->(b)
MERGE (a)-[x:FOLLOWS]->(b)
  ON CREATE SET x.created_at = $since
MERGE (b)-[y:FOLLOWS]->(a)
  ON CREATE SET y.created_at = $since
SET a.friends_count = a.friends_count + 1,
    b.friends_count = b.friends_count + 1,
    a.following_count = a.following_count + new_ab,
    b.followers_count = b.followers_count + new_ab,
    b.following_count = b.following_count + new_ba,
    a.followers_count = a.followers_count + new_ba
RETURN f.since AS since
