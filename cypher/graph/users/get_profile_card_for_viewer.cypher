// A profile card (as graph/users/get_profile_card), how $viewer stands to its
// owner (as graph/users/get_viewer_relation) and the owner's friends' usernames
// (for the mutual-friend count, as graph/friends/list_friend_usernames) in one
// round trip: the service runs it when the card is not in Redis, so a cold
// profile costs one graph query. The relation patterns start at the owner
// (see graph/users/get_viewer_relation). No row when $username is unknown.
// $username (lower-case), $viewer (uid)
MATCH (u:User {username: $username})
OPTIONAL MATCH (v:User {uid: $viewer})
RETURN u {.uid, .username, .display_name, .bio, .created_at,
         .avatar_id, .avatar_blurhash, .cover_id, .cover_blurhash} AS user,
       COUNT { (u)<-[:FOLLOWS]-(:User) } AS followers_count,
       COUNT { (u)-[:FOLLOWS]->(:User) } AS following_count,
       COUNT { (u)-[:FRIENDS_WITH]-(:User) } AS friends_count,
       coalesce(u.profile_visibility, 'public') AS profile_visibility,
       coalesce(u.friend_requests_from, 'everyone') AS friend_requests_from,
       coalesce(u.messages_from, 'everyone') AS messages_from,
       coalesce(u.show_followers, true) AS show_followers,
       coalesce(u.show_friends, true) AS show_friends,
       coalesce(u.locked, false) AS locked,
       v IS NOT NULL AND EXISTS { (u)<-[:FOLLOWS]-(v) } AS followed_by_viewer,
       v IS NOT NULL AND EXISTS { (u)-[:FOLLOWS]->(v) } AS follows_viewer,
       v IS NOT NULL AND EXISTS { (u)-[:BLOCKS]-(v) } AS blocked,
       v IS NOT NULL AND EXISTS { (u)-[:FRIENDS_WITH]-(v) } AS friends,
       v IS NOT NULL AND EXISTS { (u)<-[:FRIEND_REQUEST]-(v) } AS request_sent,
       v IS NOT NULL AND EXISTS { (u)-[:FRIEND_REQUEST]->(v) } AS request_received,
       v IS NOT NULL AND EXISTS { (u)<-[:FOLLOW_REQUEST]-(v) } AS follow_requested,
       [(u)-[:FRIENDS_WITH]-(x:User) | x.username] AS owner_friends
