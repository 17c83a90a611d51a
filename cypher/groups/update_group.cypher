// Change a group's fields; a null parameter keeps the current value.
// $group_id, $group_name, $name_lower, $description, $privacy, $cover_key
MATCH (g:Group {uid: $group_id})
SET g.name = coalesce($group_name, g.name),
    g.name_lower = coalesce($name_lower, g.name_lower),
    g.description = coalesce($description, g.description),
    g.privacy = coalesce($privacy, g.privacy),
    g.cover_key = coalesce($cover_key, g.cover_key)
RETURN g.uid AS uid
