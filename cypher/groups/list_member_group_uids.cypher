// uids of the groups $uid belongs to (home feed). $uid
MATCH (:User {uid: $uid})-[:MEMBER_OF]->(g:Group)
RETURN g.uid AS uid
