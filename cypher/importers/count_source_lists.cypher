// How many named lists (and memberships) an import source holds. $source
MATCH (l:UserList {source: $source})
RETURN count(l) AS lists, sum(COUNT { (l)-[:INCLUDES]->(:User) }) AS members
