// Analytics: degree distribution of the friendship graph: how many users
// have exactly k friends (k = 0 included), smallest k first. Plot it on
// log-log axes to see the heavy tail. No parameters.
MATCH (u:User)
WITH COUNT { (u)-[:FRIENDS_WITH]-(:User) } AS degree
RETURN degree, count(*) AS users
ORDER BY degree ASC
