// A profile card (as graph/users/get_profile_card), how $viewer stands to its
// owner and the owner's friends' usernames (for the mutual-friend count, as
// graph/friends/list_friend_usernames) in one round trip: the service runs it
// when the card is not in Redis, so a cold profile costs one graph query.
// The counts are the ones stored on the user node (kept by every graph
// write; counted here only for a user stored before they existed). The
// relation patterns start at the viewer (as
// graph/users/get_viewer_relation_of_hub): ArcadeDB expands a pattern from
// its first node, and the owner of a cold card is the side that may be a
// hub. owner_friends is null when the owner has $hub_degree friends or
// more: mutual_names then holds the usernames of the friends viewer and
// owner share, walked from the viewer's side (as
// graph/friends/list_mutual_friend_names), else it is null. No row when
// $username is unknown.
// Oneself (a self view): no relation pattern is walked (each walked the
// hub's 9,492 friendships; mutual_names 1.4 s), the flags are false and
// mutual_names null (a self view shows no relation or mutual friends).
// viewer_friends: the viewer's friends' usernames when $viewer_friends (the
// caller holds no copy of that list) and the owner is another user with fewer
// than $hub_degree friends (the mutual-friend count intersects both lists),
// else null: the same list as graph/friends/list_friend_usernames, in the
// same round trip (issue 22 session 6: a MUSAE reader's first cold profile
// ran that query too, 0.43 Bolt round trips a profile).
// $username (lower-case), $viewer (uid), $hub_degree, $viewer_friends (bool)
MATCH (u:User {username: $username})
OPTIONAL MATCH (v:User {uid: $viewer})
WITH u, v, v IS NOT NULL AND v.uid <> u.uid AS other,
     coalesce(u.friends_count, COUNT { (u)-[:FRIENDS_WITH]-(:User) }) AS friends_count
RETURN u {.uid, .username, .display_name, .bio, .created_at,
         .avatar_id, .avatar_blurhash, .cover_id, .cover_blurhash} AS user,
       coalesce(u.followers_count, COUNT { (u)<-[:FOLLOWS]-(:User) }) AS followers_count,
       coalesce(u.following_count, COUNT { (u)-[:FOLLOWS]->(:User) }) AS following_count,
       friends_count,
       coalesce(u.profile_visibility, 'public') AS profile_visibility,
       coalesce(u.friend_requests_from, 'everyone') AS friend_requests_from,
       coalesce(u.messages_from, 'everyone') AS messages_from,
       coalesce(u.show_followers, true) AS show_followers,
       coalesce(u.show_friends, true) AS show_friends,
       coalesce(u.locked, false) AS locked,
       CASE WHEN other THEN EXISTS { (v)-[:FOLLOWS]->(u) } ELSE false END AS followed_by_viewer,
       CASE WHEN other THEN EXISTS { (v)<-[:FOLLOWS]-(u) } ELSE false END AS follows_viewer,
       CASE WHEN other THEN EXISTS { (v)-[:BLOCKS]-(u) } ELSE false END AS blocked,
       CASE WHEN other THEN EXISTS { (v)-[:FRIENDS_WITH]-(u) } ELSE false END AS friends,
       CASE WHEN other THEN EXISTS { (v)-[:FRIEND_REQUEST]->(u) } ELSE false END AS request_sent,
       CASE WHEN other THEN EXISTS { (v)<-[:FRIEND_REQUEST]-(u) } ELSE false END AS request_received,
       CASE WHEN other THEN EXISTS { (v)-[:FOLLOW_REQUEST]->(u) } ELSE false END AS follow_requested,
       CASE WHEN friends_count < $hub_degree THEN [(u)-[:FRIENDS_WITH]-(x:User) | x.username] END AS owner_friends,
       CASE WHEN $viewer_friends AND other AND friends_count < $hub_degree
            THEN [(v)-[:FRIENDS_WITH]-(x:User) | x.username] END AS viewer_friends,
       CASE WHEN friends_count >= $hub_degree AND other
            THEN [(v)-[:FRIENDS_WITH]-(x:User) WHERE x.uid <> u.uid AND EXISTS { (x)-[:FRIENDS_WITH]-(u) } | x.username]
       END AS mutual_names
