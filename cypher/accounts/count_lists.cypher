// How many of the named lists $uids (list uids) still exist (deletion checks). $uids
OPTIONAL MATCH (l:UserList) WHERE l.uid IN $uids
RETURN count(l) AS lists
