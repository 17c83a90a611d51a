// Users of one import source ranked by degree (follows in + out), highest
// first, ties by uid: the order Stack Exchange authors are mapped onto.
// $source
MATCH (u:User {source: $source})
RETURN u.uid AS uid, u.username AS username,
       COUNT { (u)-[:FOLLOWS]-(:User) } AS degree
ORDER BY degree DESC, uid ASC
