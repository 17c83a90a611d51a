// Short profiles for a list of uids (authors of a page of posts). $uids
MATCH (u:User)
WHERE u.uid IN $uids
RETURN u.uid AS uid, u.username AS username, u.display_name AS display_name
