// Analytics: who engages with whom. The strongest INTERACTED_WITH
// relationships (one per ordered pair: reactions, comments, mentions, shares
// and direct messages from one user to the other, mirrored from MongoDB by
// socialgraph/graph/interactions.py), by total, with the pair's friendship.
// Paste into the Neo4j Browser with :param limit => 25. Parameters: $limit.
MATCH (a:User)-[i:INTERACTED_WITH]->(b:User)
WITH a, b, i, coalesce(i.reactions, 0) + coalesce(i.comments, 0) + coalesce(i.mentions, 0)
              + coalesce(i.shares, 0) + coalesce(i.messages, 0) AS total
ORDER BY total DESC, a.uid ASC, b.uid ASC
LIMIT $limit
RETURN a.username AS from, b.username AS to, total, i.reactions AS reactions, i.comments AS comments,
       i.mentions AS mentions, i.shares AS shares, i.messages AS messages, i.last_at AS last_at,
       EXISTS { (a)-[:FRIENDS_WITH]-(b) } AS friends
