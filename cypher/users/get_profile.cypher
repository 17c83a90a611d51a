// A profile in one round trip: the user, follower/following/friend counts,
// the owner's privacy settings (defaults filled in) and how $viewer stands
// to the owner (follows, blocks, friendship, pending requests); not whether
// they are friends of friends (only friend-request checks need it: a 2-hop
// expansion). $username (lower-case), $viewer (uid or null)
MATCH (u:User {username: $username})
OPTIONAL MATCH (v:User {uid: $viewer})
RETURN u {.uid, .username, .display_name, .bio, .created_at} AS user,
       COUNT { (u)<-[:FOLLOWS]-(:User) } AS followers_count,
       COUNT { (u)-[:FOLLOWS]->(:User) } AS following_count,
       v IS NOT NULL AND EXISTS { (v)-[:FOLLOWS]->(u) } AS followed_by_viewer,
       v IS NOT NULL AND EXISTS { (u)-[:FOLLOWS]->(v) } AS follows_viewer,
       coalesce(u.profile_visibility, 'public') AS profile_visibility,
       coalesce(u.friend_requests_from, 'everyone') AS friend_requests_from,
       coalesce(u.messages_from, 'everyone') AS messages_from,
       coalesce(u.show_followers, true) AS show_followers,
       coalesce(u.show_friends, true) AS show_friends,
       coalesce(u.locked, false) AS locked,
       COUNT { (u)-[:FRIENDS_WITH]-(:User) } AS friends_count,
       v IS NOT NULL AND EXISTS { (v)-[:BLOCKS]-(u) } AS blocked,
       v IS NOT NULL AND EXISTS { (v)-[:FRIENDS_WITH]-(u) } AS friends,
       v IS NOT NULL AND EXISTS { (v)-[:FRIEND_REQUEST]->(u) } AS request_sent,
       v IS NOT NULL AND EXISTS { (u)-[:FRIEND_REQUEST]->(v) } AS request_received,
       v IS NOT NULL AND EXISTS { (v)-[:FOLLOW_REQUEST]->(u) } AS follow_requested
