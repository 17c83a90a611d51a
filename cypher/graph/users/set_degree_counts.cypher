// Store the exact degree counts of $uids, counted over their relationships:
// followers_count, following_count, friends_count (what the profile shows).
// Run at the end of an import (one batch of uids per call), by `db init` for
// users stored before the counts existed, and by the doctor's repair.
// Returns how many users were set. $uids
UNWIND $uids AS uid
MATCH (u:User {uid: uid})
WITH u,
     COUNT { (u)<-[:FOLLOWS]-(:User) } AS followers,
     COUNT { (u)-[:FOLLOWS]->(:User) } AS following,
     COUNT { (u)-[:FRIENDS_WITH]-(:User) } AS friends
SET u.followers_count = followers, u.following_count = following, u.friends_count = friends
RETURN count(u) AS users
