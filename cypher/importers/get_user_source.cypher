// The import source of one user (null for a sign-up). $uid
MATCH (u:User {uid: $uid})
RETURN u.source AS source
