// What suggestions for $uid must leave out, as lists in one row (one row,
// not one per relationship: on ArcadeDB over Bolt a row costs ~0.1 ms, a
// list element a few us): friends (the intermediaries), users $uid follows,
// asked to follow, mutes or dismissed (DISMISSED_SUGGESTION), and pending
// friend requests and blocks either way; plus the friend count. $uid
MATCH (me:User {uid: $uid})
RETURN [(me)-[:FRIENDS_WITH]-(o:User) | o.uid] AS friends,
       [(me)-[:FOLLOWS|FOLLOW_REQUEST|MUTES|DISMISSED_SUGGESTION]->(o:User) | o.uid] AS sent,
       [(me)-[:FRIEND_REQUEST|BLOCKS]-(o:User) | o.uid] AS either
