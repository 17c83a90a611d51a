// The privacy settings of $uid (defaults filled in); no row if unknown.
MATCH (u:User {uid: $uid})
RETURN coalesce(u.profile_visibility, 'public') AS profile_visibility,
       coalesce(u.friend_requests_from, 'everyone') AS friend_requests_from,
       coalesce(u.messages_from, 'everyone') AS messages_from,
       coalesce(u.show_followers, true) AS show_followers,
       coalesce(u.show_friends, true) AS show_friends,
       coalesce(u.locked, false) AS locked
