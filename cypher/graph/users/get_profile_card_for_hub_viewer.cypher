// graph/users/get_profile_card_for_viewer for a viewer with many
// relationships (HUB_DEGREE or more: the service decides from the viewer's
// copies, socialgraph.graph.profiles): the same columns, the same answers,
// but each relation pattern starts at the owner. ArcadeDB expands a pattern
// from its first node, so the viewer's side cost the viewer's relationships
// on every cold card it read: issue 22 session 7, MUSAE, the 9,492-friend
// hub reading 300 random cold cards, p50 6.9 -> 0.75 ms, p95 15 -> 4 ms
// (same rows). The lists (owner_friends, viewer_friends, mutual_names) are
// as there; a hub owner's card read by a hub viewer walks the owner's side
// (the card is then copied for every viewer).
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
       CASE WHEN other THEN EXISTS { (u)<-[:FOLLOWS]-(v) } ELSE false END AS followed_by_viewer,
       CASE WHEN other THEN EXISTS { (u)-[:FOLLOWS]->(v) } ELSE false END AS follows_viewer,
       CASE WHEN other THEN EXISTS { (u)-[:BLOCKS]-(v) } ELSE false END AS blocked,
       CASE WHEN other THEN EXISTS { (u)-[:FRIENDS_WITH]-(v) } ELSE false END AS friends,
       CASE WHEN other THEN EXISTS { (u)<-[:FRIEND_REQUEST]-(v) } ELSE false END AS request_sent,
       CASE WHEN other THEN EXISTS { (u)-[:FRIEND_REQUEST]->(v) } ELSE false END AS request_received,
       CASE WHEN other THEN EXISTS { (u)<-[:FOLLOW_REQUEST]-(v) } ELSE false END AS follow_requested,
       CASE WHEN friends_count < $hub_degree THEN [(u)-[:FRIENDS_WITH]-(x:User) | x.username] END AS owner_friends,
       CASE WHEN $viewer_friends AND other AND friends_count < $hub_degree
            THEN [(v)-[:FRIENDS_WITH]-(x:User) | x.username] END AS viewer_friends,
       CASE WHEN friends_count >= $hub_degree AND other
            THEN [(v)-[:FRIENDS_WITH]-(x:User) WHERE x.uid <> u.uid AND EXISTS { (x)-[:FRIENDS_WITH]-(u) } | x.username]
       END AS mutual_names

