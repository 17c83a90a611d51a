// Imports look users up by where they came from ('signup', 'snap-facebook', ...).
CREATE INDEX user_source IF NOT EXISTS FOR (u:User) ON (u.source)
