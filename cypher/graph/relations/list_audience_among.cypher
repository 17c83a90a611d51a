// For one page of posts: which of $authors count $uid as a friend
// (FRIENDS_WITH, undirected) or have put $uid on their close-friends list.
// Asked only for the authors of friends / close-friends posts on the page,
// so a user with thousands of friends is not read whole. $uid, $authors (uids)
MATCH (u:User {uid: $uid}), (a:User)
WHERE a.uid IN $authors
RETURN a.uid AS uid,
       EXISTS { (u)-[:FRIENDS_WITH]-(a) } AS friends,
       EXISTS { (a)-[:CLOSE_FRIEND]->(u) } AS close_friend_of
