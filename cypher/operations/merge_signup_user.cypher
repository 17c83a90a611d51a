// Re-create the graph user of an account that has none (doctor repair).
// $uid, $username, $created_at
MERGE (u:User {uid: $uid})
  ON CREATE SET u.username = $username, u.display_name = $username, u.bio = '', u.source = 'signup',
                u.followers_count = 0, u.following_count = 0, u.friends_count = 0,
                u.created_at = $created_at
RETURN u.uid AS uid
