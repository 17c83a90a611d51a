// How many friends $uid has (decides whether suggestions are precomputed):
// the count stored on the user node (counted for a user stored before it
// existed). $uid
MATCH (u:User {uid: $uid})
RETURN coalesce(u.friends_count, COUNT { (u)-[:FRIENDS_WITH]-(:User) }) AS friends
