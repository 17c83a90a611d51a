// Users (optionally of one import $source) and their friend counts: the
// population the suggestion model is trained on samples from. $source (or null)
MATCH (u:User)
WHERE $source IS NULL OR u.source = $source
RETURN u.uid AS uid, COUNT { (u)-[:FRIENDS_WITH]-(:User) } AS friends
