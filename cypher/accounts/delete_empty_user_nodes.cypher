// Remove User nodes without a uid: what a write rejected by a uniqueness
// constraint can leave behind on some graph servers (ArcadeDB over Bolt
// creates the vertex before the index check fails). Nothing references them.
MATCH (u:User)
WHERE u.uid IS NULL
DETACH DELETE u
RETURN count(*) AS deleted
