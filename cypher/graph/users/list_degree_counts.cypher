// One page of users in uid order after $after ('' for the first) with their
// stored degree counts (null when not stored) beside the counts over their
// relationships: the doctor's check (socialgraph/operations/degrees.py)
// compares them. $after, $limit
MATCH (u:User)
WHERE u.uid > $after
WITH u ORDER BY u.uid LIMIT $limit
RETURN u.uid AS uid,
       u.followers_count AS stored_followers, u.following_count AS stored_following,
       u.friends_count AS stored_friends,
       COUNT { (u)<-[:FOLLOWS]-(:User) } AS followers,
       COUNT { (u)-[:FOLLOWS]->(:User) } AS following,
       COUNT { (u)-[:FRIENDS_WITH]-(:User) } AS friends
