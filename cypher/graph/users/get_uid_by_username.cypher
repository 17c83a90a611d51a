// Resolve a username (lower-case) to a uid. $username
MATCH (u:User {username: $username})
RETURN u.uid AS uid
