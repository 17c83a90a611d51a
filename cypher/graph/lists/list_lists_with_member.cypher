// $owner's lists that include $member, newest first. $owner, $member
MATCH (:User {uid: $owner})-[:OWNS]->(l:UserList)-[:INCLUDES]->(:User {uid: $member})
RETURN l.uid AS id, l.name AS name, l.created_at AS created_at,
       COUNT { (l)-[:INCLUDES]->(:User) } AS members
ORDER BY l.created_at DESC
