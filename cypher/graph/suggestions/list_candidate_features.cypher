// Features of the candidates $uids for the viewer $uid, as one row, each
// with its username and display name (for a hub candidate not reached in two steps),
// pattern starting at the candidate (ArcadeDB expands from the first node
// written): friend count, whether they follow the viewer, the groups and
// lists they are in (matched against the viewer's in Python), their
// `friend_requests_from` setting, and the interactions between the two
// (INTERACTED_WITH both ways). The friend count of a user in $known
// ({uid: friends}, the model's snapshot of the high-degree users) is not
// counted again (list_intermediary_degrees). (UNWIND first: on ArcadeDB a
// MATCH, then an UNWIND, then a MATCH returns no rows.) $uid, $uids, $known
UNWIND $uids AS cid
MATCH (s:User {uid: cid}), (me:User {uid: $uid})
RETURN collect({
  uid: cid,
  username: s.username,
  display_name: s.display_name,
  degree: CASE WHEN $known[cid] IS NULL THEN COUNT { (s)-[:FRIENDS_WITH]-(:User) } ELSE $known[cid] END,
  follows_me: EXISTS { (s)-[:FOLLOWS]->(me) },
  groups: [(s)-[:MEMBER_OF]->(g:Group) | g.uid],
  lists: [(s)<-[:INCLUDES]-(l:UserList) | l.uid],
  friend_requests_from: coalesce(s.friend_requests_from, 'everyone'),
  interactions: [(s)-[i:INTERACTED_WITH]-(me) | {reactions: i.reactions, comments: i.comments,
                 mentions: i.mentions, shares: i.shares, messages: i.messages}]}) AS features
