// Users of one import source ranked by their degree inside that source
// (follows in + out to users of the same source, so later sign-ups do not
// change the order), highest first, ties by uid: the order Stack Exchange
// authors are mapped onto. $source
MATCH (u:User {source: $source})
RETURN u.uid AS uid, u.username AS username,
       COUNT { (u)-[:FOLLOWS]-(:User {source: $source}) } AS degree
ORDER BY degree DESC, uid ASC
