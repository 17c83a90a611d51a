// Every group has a unique, immutable uid (32 hex digits; MongoDB group
// content refers to it as `group_id`).
CREATE CONSTRAINT group_uid_unique IF NOT EXISTS FOR (g:Group) REQUIRE g.uid IS UNIQUE
