// All uids of $uid's friends (whose suggestions change with $uid's friendships). $uid
MATCH (:User {uid: $uid})-[:FRIENDS_WITH]-(f:User)
RETURN f.uid AS uid
