// Everyone $uid follows with the follow's time, when $uid follows at least
// $min users by the stored degree count (else no rows, without expanding):
// the source of the ordered following-list copy (socialgraph.graph.ordered).
// $uid, $min
MATCH (u:User {uid: $uid})
WHERE coalesce(u.following_count, 0) >= $min
MATCH (u)-[r:FOLLOWS]->(f:User)
RETURN f.uid AS uid, r.created_at AS at
