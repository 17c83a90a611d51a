// Take $member off $owner's close-friends list. $owner, $member (uids)
OPTIONAL MATCH (:User {uid: $owner})-[c:CLOSE_FRIEND]->(:User {uid: $member})
DELETE c
RETURN count(c) AS deleted
