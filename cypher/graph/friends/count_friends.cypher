// How many friends $uid has (decides whether suggestions are precomputed). $uid
MATCH (u:User {uid: $uid})
RETURN COUNT { (u)-[:FRIENDS_WITH]-(:User) } AS friends
