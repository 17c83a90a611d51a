// $uid's named lists with their members (usernames) and close friends, for the data export. $uid
MATCH (u:User {uid: $uid})
RETURN [(u)-[:OWNS]->(l:UserList) | {id: l.uid, name: l.name, created_at: l.created_at,
                                     members: [(l)-[:INCLUDES]->(m:User) | m.username]}] AS lists,
       [(u)-[:CLOSE_FRIEND]->(c:User) | c.username] AS close_friends
