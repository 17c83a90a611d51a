// Friend counts of the candidate intermediaries $uids (a resource-allocation
// weight is 1 / friends; Zhou, Lu and Zhang 2009). $uids
UNWIND $uids AS fid
MATCH (f:User {uid: fid})
RETURN fid AS uid, COUNT { (f)-[:FRIENDS_WITH]-(:User) } AS degree
