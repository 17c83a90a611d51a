// Members of $group_id who follow it closely (notify = 'all'), except
// $exclude (the post's author): whom to notify of a new group post.
// $group_id, $exclude (uid or null)
MATCH (u:User)-[m:MEMBER_OF]->(:Group {uid: $group_id})
WHERE m.notify = 'all' AND ($exclude IS NULL OR u.uid <> $exclude)
RETURN u.uid AS uid
