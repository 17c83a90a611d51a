// What suggestions for $uid must leave out or can use, in one pass over the
// user's own relationships (each row: the other user, the relationship type
// and whether it points away from $uid): FRIENDS_WITH (with `since`),
// FOLLOWS either way (in: "follows you"), FOLLOW_REQUEST, MUTES and
// DISMISSED_SUGGESTION sent, FRIEND_REQUEST and BLOCKS either way. At most
// $scan rows: a hub's friends beyond it are not intermediaries (the bound of
// the candidate generation) and the exclusion is re-checked per candidate
// (graph/suggestions/list_candidate_features). $uid, $scan
MATCH (me:User {uid: $uid})-[r:FRIENDS_WITH|FOLLOWS|FOLLOW_REQUEST|MUTES|FRIEND_REQUEST|BLOCKS|DISMISSED_SUGGESTION]-(o:User)
WITH me, r, o
LIMIT $scan
RETURN o.uid AS uid, o.username AS username, type(r) AS type, startNode(r) = me AS out, r.since AS since
