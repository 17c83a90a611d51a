// Which of $names are already used by users of another source (or sign-ups),
// so an importer can give its own user a different name. $names, $source
UNWIND $names AS name
MATCH (u:User {username: name})
WHERE u.source IS NULL OR u.source <> $source
RETURN u.username AS username
