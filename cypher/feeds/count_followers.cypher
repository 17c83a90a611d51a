// How many users follow $uid (decides fan-out on write vs merge at read). $uid
MATCH (u:User {uid: $uid})
RETURN COUNT { (u)<-[:FOLLOWS]-(:User) } AS followers
