// Change privacy settings of $uid; a null parameter keeps the old value.
// $uid, $profile_visibility, $friend_requests_from, $messages_from,
// $show_followers, $show_friends, $locked (values checked by the service)
MATCH (u:User {uid: $uid})
SET u.profile_visibility = coalesce($profile_visibility, u.profile_visibility, 'public'),
    u.friend_requests_from = coalesce($friend_requests_from, u.friend_requests_from, 'everyone'),
    u.messages_from = coalesce($messages_from, u.messages_from, 'everyone'),
    u.show_followers = coalesce($show_followers, u.show_followers, true),
    u.show_friends = coalesce($show_friends, u.show_friends, true),
    u.locked = coalesce($locked, u.locked, false)
RETURN u.profile_visibility AS profile_visibility, u.friend_requests_from AS friend_requests_from,
       u.messages_from AS messages_from, u.show_followers AS show_followers,
       u.show_friends AS show_friends, u.locked AS locked
