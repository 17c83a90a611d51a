// Mutual friends of $a and $b (friends of both), by uid, keyset-paginated
// on uid; users in $hidden (blocked either way by the viewer) left out.
// $a, $b (uids), $hidden, $after_uid (or null), $limit
MATCH (a:User {uid: $a}), (b:User {uid: $b})
MATCH (a)-[:FRIENDS_WITH]-(m:User)
WHERE ($after_uid IS NULL OR m.uid > $after_uid) AND NOT m.uid IN $hidden
  AND (m)-[:FRIENDS_WITH]-(b)
RETURN m.uid AS uid, m.username AS username, m.display_name AS display_name
ORDER BY m.uid
LIMIT $limit
