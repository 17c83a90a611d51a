// User nodes without a uid (a failed write left them; nothing can reach them).
MATCH (u:User)
WHERE u.uid IS NULL
RETURN count(u) AS n
