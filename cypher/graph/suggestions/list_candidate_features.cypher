// Features of the candidates $uids for the viewer $uid, each pattern
// starting at the candidate (ArcadeDB expands from the first node written):
// friend count, whether they follow the viewer, whether anything rules them
// out (a friendship, follow or request of the viewer, a pending friend
// request, a block either way, a mute or a dismissal by the viewer: the
// viewer's own relationships were read only up to a bound), the groups and
// lists they are in (matched against the viewer's $groups and $lists in
// Python), their `friend_requests_from` setting, and the interactions
// between the two (INTERACTED_WITH both ways). $uid, $uids
// (UNWIND first: on ArcadeDB a MATCH, then UNWIND, then MATCH returns no rows.)
UNWIND $uids AS cid
MATCH (s:User {uid: cid}), (me:User {uid: $uid})
RETURN cid AS uid,
       COUNT { (s)-[:FRIENDS_WITH]-(:User) } AS degree,
       EXISTS { (s)-[:FOLLOWS]->(me) } AS follows_me,
       EXISTS { (s)-[:FRIENDS_WITH|FRIEND_REQUEST|BLOCKS]-(me) } OR
       EXISTS { (s)<-[:FOLLOWS|FOLLOW_REQUEST|MUTES|DISMISSED_SUGGESTION]-(me) } AS excluded,
       [(s)-[:MEMBER_OF]->(g:Group) | g.uid] AS groups,
       [(s)<-[:INCLUDES]-(l:UserList) | l.uid] AS lists,
       coalesce(s.friend_requests_from, 'everyone') AS friend_requests_from,
       [(s)-[i:INTERACTED_WITH]-(me) | {reactions: i.reactions, comments: i.comments, mentions: i.mentions,
                                        shares: i.shares, messages: i.messages, last_at: i.last_at}] AS interactions
