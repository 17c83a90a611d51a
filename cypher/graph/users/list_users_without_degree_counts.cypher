// Up to $limit uids of users whose degree counts are not stored (made before
// the counts existed): `db init` fills them with graph/users/set_degree_counts.
// $limit
MATCH (u:User)
WHERE u.uid IS NOT NULL AND (u.friends_count IS NULL OR u.followers_count IS NULL OR u.following_count IS NULL)
RETURN u.uid AS uid
LIMIT $limit
