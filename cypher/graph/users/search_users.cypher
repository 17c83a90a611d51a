// Users whose username starts with $q, or whose display name (lower-cased)
// starts with $q or has a word starting with $q; ordered by username,
// keyset after $after (username, "" for the first page); $exclude: uids to
// leave out (blocks either way). $q is lower-case. $limit.
// The username prefix uses the user_username_unique index on Neo4j; the
// display-name test is a scan of the candidates (see README, search). The
// fallback of socialgraph.graph.usersearch while its Redis index is missing.
MATCH (u:User)
WHERE u.username > $after
  AND NOT u.uid IN $exclude
  AND (u.username STARTS WITH $q
       OR toLower(coalesce(u.display_name, '')) STARTS WITH $q
       OR toLower(coalesce(u.display_name, '')) CONTAINS (' ' + $q))
RETURN u.uid AS uid, u.username AS username, u.display_name AS display_name,
       u.avatar_id AS avatar_id, u.avatar_blurhash AS avatar_blurhash
ORDER BY u.username
LIMIT $limit
