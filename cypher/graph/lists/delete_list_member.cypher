// Remove $member from $owner's list $list. $owner, $list, $member
OPTIONAL MATCH (:User {uid: $owner})-[:OWNS]->(:UserList {uid: $list})-[i:INCLUDES]->(:User {uid: $member})
DELETE i
RETURN count(i) AS deleted
