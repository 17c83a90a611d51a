// Friend counts and usernames of the candidate intermediaries $uids (a
// resource-allocation weight is 1 / friends; Zhou, Lu and Zhang 2009), as
// one row of [uid, username, friends] triples. $uids
UNWIND $uids AS fid
MATCH (f:User {uid: fid})
RETURN collect([fid, f.username, COUNT { (f)-[:FRIENDS_WITH]-(:User) }]) AS degrees
