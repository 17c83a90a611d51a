// How many graph users came from a sign-up (source 'signup' or none).
MATCH (u:User)
WHERE coalesce(u.source, 'signup') = 'signup' AND u.uid IS NOT NULL
RETURN count(u) AS n
