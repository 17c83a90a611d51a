// Named lists of users (:UserList) have a unique uid (32 hex digits).
CREATE CONSTRAINT userlist_uid_unique IF NOT EXISTS FOR (l:UserList) REQUIRE l.uid IS UNIQUE
