// Every follower of $uid with the follow's time, when $uid has at least $min
// followers by the stored degree count (else no rows, without expanding):
// the source of the ordered follower-list copy (socialgraph.graph.ordered).
// $uid, $min
MATCH (u:User {uid: $uid})
WHERE coalesce(u.followers_count, 0) >= $min
MATCH (u)<-[r:FOLLOWS]-(f:User)
RETURN f.uid AS uid, r.created_at AS at
