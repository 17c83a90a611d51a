// Friend counts and usernames of the candidate intermediaries $uids (a
// resource-allocation weight is 1 / friends; Zhou, Lu and Zhang 2009), as
// one row of [uid, username, friends] triples. $known: {uid: friends} of the
// graph's high-degree users as stored with the model (a snapshot: counting
// a user's friends costs one step per friend, so those are the expensive
// ones; the CASE skips the count, measured 64 -> 18 ms for 40 MUSAE hubs);
// {} to count everyone. $uids, $known
UNWIND $uids AS fid
MATCH (f:User {uid: fid})
RETURN collect([fid, f.username,
                CASE WHEN $known[fid] IS NULL THEN COUNT { (f)-[:FRIENDS_WITH]-(:User) } ELSE $known[fid] END]) AS degrees
