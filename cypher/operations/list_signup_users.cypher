// A page of graph users that came from a sign-up (source 'signup' or none), by uid. $after, $limit
MATCH (u:User)
WHERE coalesce(u.source, 'signup') = 'signup' AND u.uid > $after
RETURN u.uid AS uid, u.username AS username
ORDER BY u.uid
LIMIT $limit
