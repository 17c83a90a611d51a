// Delete group $group_id with every relationship to it (memberships, requests,
// invitations, bans): used when the last member's account is deleted.
// $group_id (uid)
MATCH (g:Group {uid: $group_id})
DETACH DELETE g
RETURN count(*) AS deleted
