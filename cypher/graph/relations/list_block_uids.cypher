// uids blocked by $uid (outgoing) and uids that block $uid (incoming).
MATCH (u:User {uid: $uid})
RETURN [(u)-[:BLOCKS]->(b:User) | b.uid] AS blocking,
       [(u)<-[:BLOCKS]-(b:User) | b.uid] AS blocked_by,
       [(u)-[:MUTES]->(m:User) | m.uid] AS muting
