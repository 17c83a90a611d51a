// Account deletion: the bans $uid made stay, but no longer say who made them.
// (:User)-[:BANNED_FROM {by: $uid}]->(:Group) loses its `by`. $uid
MATCH (:User)-[b:BANNED_FROM]->(:Group)
WHERE b.by = $uid
REMOVE b.by
RETURN count(b) AS cleared
