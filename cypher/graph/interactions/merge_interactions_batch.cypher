// Mirror the ledger's figures of many pairs into the graph at once (the
// coalesced mirror, socialgraph/graph/interactions.py: mirror_pending): one
// (a)-[:INTERACTED_WITH {reactions, comments, mentions, shares, messages,
// last_at}]->(b) per row, each figure only growing, exactly as
// graph/interactions/merge_interactions does for one pair (rows whose users
// have no node are skipped). Returns the number of relationships written.
// $rows: [{a, b, reactions, comments, mentions, shares, messages, last_at}]
UNWIND $rows AS row
MATCH (a:User {uid: row.a}), (b:User {uid: row.b})
MERGE (a)-[i:INTERACTED_WITH]->(b)
SET i.reactions = CASE WHEN coalesce(i.reactions, 0) > row.reactions THEN i.reactions ELSE row.reactions END,
    i.comments = CASE WHEN coalesce(i.comments, 0) > row.comments THEN i.comments ELSE row.comments END,
    i.mentions = CASE WHEN coalesce(i.mentions, 0) > row.mentions THEN i.mentions ELSE row.mentions END,
    i.shares = CASE WHEN coalesce(i.shares, 0) > row.shares THEN i.shares ELSE row.shares END,
    i.messages = CASE WHEN coalesce(i.messages, 0) > row.messages THEN i.messages ELSE row.messages END,
    i.last_at = CASE WHEN i.last_at IS NOT NULL AND i.last_at > row.last_at THEN i.last_at ELSE row.last_at END
RETURN count(i) AS pairs
