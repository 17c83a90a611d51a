// Accept: one FRIENDS_WITH {since} between the two (stored requester ->
// target, always matched undirected) and a follow each way, so that friends
// see each other's posts. Run only after the pending request was removed in
// the same locking transaction. $requester, $target (uids), $since
MATCH (a:User {uid: $requester}), (b:User {uid: $target})
CREATE (a)-[f:FRIENDS_WITH {since: $since}]->(b)
MERGE (a)-[x:FOLLOWS]->(b)
  ON CREATE SET x.created_at = $since
MERGE (b)-[y:FOLLOWS]->(a)
  ON CREATE SET y.created_at = $since
RETURN f.since AS since
