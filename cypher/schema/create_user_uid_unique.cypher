// Every user node has a unique, immutable uid (a 32-hex-digit id shared
// with the MongoDB `accounts` collection).
CREATE CONSTRAINT user_uid_unique IF NOT EXISTS FOR (u:User) REQUIRE u.uid IS UNIQUE
