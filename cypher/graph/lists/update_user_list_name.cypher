// Rename one of $owner's lists (no row if it is not theirs). $owner, $list, $list_name
MATCH (:User {uid: $owner})-[:OWNS]->(l:UserList {uid: $list})
SET l.name = $list_name
RETURN l.uid AS id, l.name AS name, l.created_at AS created_at,
       COUNT { (l)-[:INCLUDES]->(:User) } AS members
