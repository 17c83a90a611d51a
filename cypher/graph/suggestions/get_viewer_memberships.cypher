// The groups (uid, name) and lists (uid) the viewer $uid is in, and the
// lists the viewer owns: shared memberships are suggestion features.
// $uid
MATCH (me:User {uid: $uid})
RETURN [(me)-[:MEMBER_OF]->(g:Group) | {uid: g.uid, name: g.name, privacy: g.privacy}] AS groups,
       [(me)<-[:INCLUDES]-(l:UserList) | l.uid] AS lists,
       [(me)-[:OWNS]->(l:UserList) | l.uid] AS owned
