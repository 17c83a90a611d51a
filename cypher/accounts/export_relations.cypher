// Every relationship of $uid for the data export, as usernames:
// following, followers, blocking, muting, and any other outgoing/incoming
// relationship type (so new areas' edges appear without changing this file).
MATCH (u:User {uid: $uid})
RETURN u {.uid, .username, .display_name, .bio, .created_at, .source} AS user,
       [(u)-[:FOLLOWS]->(o:User) | o.username] AS following,
       [(u)<-[:FOLLOWS]-(o:User) | o.username] AS followers,
       [(u)-[:BLOCKS]->(o:User) | o.username] AS blocking,
       [(u)-[:MUTES]->(o:User) | o.username] AS muting,
       [(u)-[r]->(o) | {type: type(r), direction: 'out', other: coalesce(o.username, o.uid)}] +
       [(u)<-[r]-(o) | {type: type(r), direction: 'in', other: coalesce(o.username, o.uid)}] AS relationships
