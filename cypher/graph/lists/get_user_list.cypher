// One of $owner's lists (no row if it is not theirs). $owner, $list
MATCH (:User {uid: $owner})-[:OWNS]->(l:UserList {uid: $list})
RETURN l.uid AS id, l.name AS name, l.created_at AS created_at,
       COUNT { (l)-[:INCLUDES]->(:User) } AS members
