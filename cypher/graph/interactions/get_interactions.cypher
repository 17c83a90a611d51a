// The INTERACTED_WITH relationship of $a towards $b (no row when none). $a, $b
MATCH (a:User {uid: $a})-[i:INTERACTED_WITH]->(b:User {uid: $b})
RETURN i.reactions AS reactions, i.comments AS comments, i.mentions AS mentions, i.shares AS shares,
       i.messages AS messages, i.last_at AS last_at
