// Batch upsert of imported users. $rows: [{uid, username, display_name, source, created_at}]
UNWIND $rows AS row
MERGE (u:User {uid: row.uid})
  ON CREATE SET u.username = row.username, u.display_name = row.display_name, u.bio = '',
                u.source = row.source, u.created_at = row.created_at
RETURN count(u) AS users
