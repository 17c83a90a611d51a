// A named list owned by $owner: (owner)-[:OWNS]->(:UserList {uid, name, created_at}).
// No row if the owner is unknown. $owner, $uid (new list id), $list_name, $created_at
MATCH (o:User {uid: $owner})
CREATE (o)-[:OWNS]->(l:UserList {uid: $uid, name: $list_name, created_at: $created_at})
RETURN l.uid AS id, l.name AS name, l.created_at AS created_at, 0 AS members
