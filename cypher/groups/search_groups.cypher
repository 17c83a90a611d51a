// Group listing and search by name: groups whose lower-case name contains $q
// (null = all), ordered by name, keyset-paginated on (name_lower, uid).
// Secret groups appear only to their members ($viewer uid or null).
// $q, $viewer, $after_name, $after_uid, $limit
MATCH (g:Group)
WHERE ($q IS NULL OR g.name_lower CONTAINS $q)
  AND (g.privacy <> 'secret' OR EXISTS { (:User {uid: $viewer})-[:MEMBER_OF]->(g) })
  AND ($after_name IS NULL OR g.name_lower > $after_name
       OR (g.name_lower = $after_name AND g.uid > $after_uid))
RETURN g {.uid, .name, .description, .privacy, .cover_key, .created_at} AS grp,
       g.name_lower AS name_lower,
       COUNT { (:User)-[:MEMBER_OF]->(g) } AS member_count
ORDER BY g.name_lower, g.uid
LIMIT $limit
