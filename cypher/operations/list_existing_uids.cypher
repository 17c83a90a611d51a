// Which of $uids are graph users. $uids
MATCH (u:User)
WHERE u.uid IN $uids
RETURN u.uid AS uid
