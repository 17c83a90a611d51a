// Add $member to $owner's list $list, idempotent. No row if the list is not
// $owner's or the member is unknown. $owner, $list, $member, $created_at
MATCH (:User {uid: $owner})-[:OWNS]->(l:UserList {uid: $list}), (m:User {uid: $member})
OPTIONAL MATCH (l)-[existing:INCLUDES]->(m)
WITH l, m, existing
MERGE (l)-[i:INCLUDES]->(m)
  ON CREATE SET i.created_at = $created_at
RETURN existing IS NULL AS created
