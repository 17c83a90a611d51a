// Whether $actor and $other have a friend in common (the
// friend_requests_from = 'friends_of_friends' rule), asked only when that
// rule applies. $actor, $other (uids)
MATCH (a:User {uid: $actor}), (o:User {uid: $other})
RETURN EXISTS { (a)-[:FRIENDS_WITH]-(:User)-[:FRIENDS_WITH]-(o) } AS friends_of_friends
