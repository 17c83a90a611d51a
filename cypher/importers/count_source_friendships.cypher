// How many friendships (FRIENDS_WITH, one per pair) join users of an import source. $source
MATCH (a:User {source: $source})-[r:FRIENDS_WITH]->(:User {source: $source})
RETURN count(r) AS friendships
