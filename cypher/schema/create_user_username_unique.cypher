// Usernames are unique (stored lower-case; the API compares case-insensitively).
CREATE CONSTRAINT user_username_unique IF NOT EXISTS FOR (u:User) REQUIRE u.username IS UNIQUE
