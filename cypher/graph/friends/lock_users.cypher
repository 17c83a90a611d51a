// Write-lock users before a friendship or request change: bumps `graph_rev`
// on each (in the given order; callers sort the uids so that two
// transactions never wait on each other crosswise). On Neo4j the second of
// two racing transactions waits for the first to commit and then reads its
// result; on ArcadeDB (optimistic MVCC) it fails with a concurrent
// modification, is retried and likewise sees the result. $uids (sorted)
UNWIND $uids AS uid
MATCH (u:User {uid: uid})
SET u.graph_rev = coalesce(u.graph_rev, 0) + 1
RETURN u.uid AS uid
