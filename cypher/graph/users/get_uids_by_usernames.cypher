// uid and username of each existing user among $usernames (lower-case).
MATCH (u:User)
WHERE u.username IN $usernames
RETURN u.uid AS uid, u.username AS username
