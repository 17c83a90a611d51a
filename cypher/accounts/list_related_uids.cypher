// uids of every user with any relationship to $uid (either direction), so
// their cached sets can be dropped when $uid is deleted. $uid
MATCH (:User {uid: $uid})-[]-(o:User)
RETURN collect(DISTINCT o.uid) AS uids
