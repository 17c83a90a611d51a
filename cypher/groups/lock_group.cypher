// Write-lock a group before a membership, role, ban or ownership change:
// bumps `graph_rev` on the Group node. Every such change of one group then
// runs one after the other (Neo4j: the second waits for the node lock;
// ArcadeDB: the later committer fails, is retried and reads the winner's
// result), so each decides on what it reads after this lock.
// No row for an unknown group. $group_id
MATCH (g:Group {uid: $group_id})
SET g.graph_rev = coalesce(g.graph_rev, 0) + 1
RETURN g.uid AS uid, g.privacy AS privacy
