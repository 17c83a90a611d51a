// Remove a user node and every relationship it has (compensation and account deletion).
MATCH (u:User {uid: $uid})
DETACH DELETE u
