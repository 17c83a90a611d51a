// Analytics: reciprocity of follows: the share of FOLLOWS relationships
// whose reverse also exists (1.0 = every follow is returned). Imported
// ego-Facebook friendships are mutual follows, so it is 1.0 there; sign-ups
// lower it. No parameters.
MATCH (a:User)-[:FOLLOWS]->(b:User)
OPTIONAL MATCH (b)-[back:FOLLOWS]->(a)
WITH count(*) AS follows, count(back) AS reciprocated
RETURN follows, reciprocated,
       CASE WHEN follows = 0 THEN 0.0 ELSE toFloat(reciprocated) / follows END AS reciprocity
