// Analytics: the friend-suggestion candidates of one user and their
// features, as the ranking sees them (socialgraph/graph/suggestions.py; the
// service bounds hubs' expansions, this query does not): friends of friends
// who are not friends, followed, requested, blocked, muted or dismissed;
// mutual friends, resource allocation (sum of 1/k over mutual friends with k
// friends; Zhou, Lu and Zhang 2009), Adamic-Adar (sum of 1/ln k; Adamic and
// Adar 2003), the candidate's friend count, whether they follow the user,
// shared groups and the interactions between the two. Best by resource
// allocation first. Paste into the Neo4j Browser with
// :param username => 'fb_107'; :param limit => 25. Parameters: $username, $limit.
MATCH (me:User {username: $username})-[:FRIENDS_WITH]-(f:User)
WITH me, f, COUNT { (f)-[:FRIENDS_WITH]-(:User) } AS k
MATCH (f)-[:FRIENDS_WITH]-(s:User)
WHERE s <> me
  AND NOT (me)-[:FRIENDS_WITH]-(s)
  AND NOT (me)-[:FOLLOWS|FOLLOW_REQUEST|MUTES|DISMISSED_SUGGESTION]->(s)
  AND NOT (me)-[:FRIEND_REQUEST|BLOCKS]-(s)
WITH me, s, count(f) AS mutual, sum(1.0 / k) AS resource_allocation, sum(1.0 / log(k)) AS adamic_adar,
     collect(f.username) AS via
ORDER BY resource_allocation DESC, s.uid ASC
LIMIT $limit
RETURN s.username AS candidate, mutual, resource_allocation, adamic_adar, via[0..3] AS via,
       COUNT { (s)-[:FRIENDS_WITH]-(:User) } AS candidate_friends,
       EXISTS { (s)-[:FOLLOWS]->(me) } AS follows_me,
       COUNT { (s)-[:MEMBER_OF]->(:Group)<-[:MEMBER_OF]-(me) } AS shared_groups,
       [(s)-[i:INTERACTED_WITH]-(me) | {reactions: i.reactions, comments: i.comments, mentions: i.mentions,
                                        shares: i.shares, messages: i.messages, last_at: i.last_at}] AS interactions
