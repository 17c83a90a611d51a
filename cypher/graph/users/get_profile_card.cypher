// The viewer-independent part of a profile (cached in Redis by the service):
// the user, follower/following/friend counts and the owner's privacy
// settings (defaults filled in). $username (lower-case)
MATCH (u:User {username: $username})
RETURN u {.uid, .username, .display_name, .bio, .created_at,
         .avatar_id, .avatar_blurhash, .cover_id, .cover_blurhash} AS user,
       coalesce(u.followers_count, COUNT { (u)<-[:FOLLOWS]-(:User) }) AS followers_count,
       coalesce(u.following_count, COUNT { (u)-[:FOLLOWS]->(:User) }) AS following_count,
       coalesce(u.friends_count, COUNT { (u)-[:FRIENDS_WITH]-(:User) }) AS friends_count,
       coalesce(u.profile_visibility, 'public') AS profile_visibility,
       coalesce(u.friend_requests_from, 'everyone') AS friend_requests_from,
       coalesce(u.messages_from, 'everyone') AS messages_from,
       coalesce(u.show_followers, true) AS show_followers,
       coalesce(u.show_friends, true) AS show_friends,
       coalesce(u.locked, false) AS locked
