// Every friend of $uid with the friendship's time, when $uid has at least
// $min friends by the stored degree count (else no rows, without expanding):
// the source of the ordered friend-list copy (socialgraph.graph.ordered).
// $uid, $min
MATCH (u:User {uid: $uid})
WHERE coalesce(u.friends_count, 0) >= $min
MATCH (u)-[r:FRIENDS_WITH]-(f:User)
RETURN f.uid AS uid, r.since AS at
