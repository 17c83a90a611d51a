// Put $member on $owner's close-friends list: (owner)-[:CLOSE_FRIEND {created_at}]->(member),
// idempotent. No row if either is unknown. $owner, $member (uids), $created_at
MATCH (o:User {uid: $owner}), (m:User {uid: $member})
OPTIONAL MATCH (o)-[existing:CLOSE_FRIEND]->(m)
WITH o, m, existing
MERGE (o)-[c:CLOSE_FRIEND]->(m)
  ON CREATE SET c.created_at = $created_at
RETURN existing IS NULL AS created
