// Who may message $uid: 'everyone' (default when unset), 'friends' or 'nobody'. $uid
MATCH (u:User {uid: $uid})
RETURN coalesce(u.messages_from, 'everyone') AS messages_from
