// How many users and follows an import source holds. $source
MATCH (u:User {source: $source})
RETURN count(u) AS users, sum(COUNT { (u)-[:FOLLOWS]->(:User) }) AS follows
