// Mirror the engagement of $a with $b into the graph: one
// (a)-[:INTERACTED_WITH {reactions, comments, mentions, shares, messages,
// last_at}]->(b) per ordered pair, from the counts of the MongoDB ledger
// `interactions` (socialgraph/graph/interactions.py). Each figure only grows
// (the larger of the stored and the given value), so jobs that run twice, in
// any order or at once, converge on the ledger's counts. $a, $b, $reactions,
// $comments, $mentions, $shares, $messages, $last_at
MATCH (a:User {uid: $a}), (b:User {uid: $b})
MERGE (a)-[i:INTERACTED_WITH]->(b)
SET i.reactions = CASE WHEN coalesce(i.reactions, 0) > $reactions THEN i.reactions ELSE $reactions END,
    i.comments = CASE WHEN coalesce(i.comments, 0) > $comments THEN i.comments ELSE $comments END,
    i.mentions = CASE WHEN coalesce(i.mentions, 0) > $mentions THEN i.mentions ELSE $mentions END,
    i.shares = CASE WHEN coalesce(i.shares, 0) > $shares THEN i.shares ELSE $shares END,
    i.messages = CASE WHEN coalesce(i.messages, 0) > $messages THEN i.messages ELSE $messages END,
    i.last_at = CASE WHEN i.last_at IS NOT NULL AND i.last_at > $last_at THEN i.last_at ELSE $last_at END
RETURN i.reactions AS reactions, i.comments AS comments, i.mentions AS mentions, i.shares AS shares,
       i.messages AS messages, i.last_at AS last_at
