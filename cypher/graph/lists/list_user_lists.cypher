// $owner's named lists, newest first, with member counts. $owner
MATCH (:User {uid: $owner})-[:OWNS]->(l:UserList)
RETURN l.uid AS id, l.name AS name, l.created_at AS created_at,
       COUNT { (l)-[:INCLUDES]->(:User) } AS members
ORDER BY l.created_at DESC, l.uid DESC
