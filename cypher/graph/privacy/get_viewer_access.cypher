// What $viewer may see of $owner: the owner's settings and how the two
// stand (blocks, friendship, friends of friends: only when friend_requests_from
// asks for it). $viewer (uid or null), $owner (uid)
MATCH (o:User {uid: $owner})
OPTIONAL MATCH (v:User {uid: $viewer})
RETURN coalesce(o.profile_visibility, 'public') AS profile_visibility,
       coalesce(o.friend_requests_from, 'everyone') AS friend_requests_from,
       coalesce(o.messages_from, 'everyone') AS messages_from,
       coalesce(o.show_followers, true) AS show_followers,
       coalesce(o.show_friends, true) AS show_friends,
       coalesce(o.locked, false) AS locked,
       v IS NOT NULL AND EXISTS { (v)-[:BLOCKS]-(o) } AS blocked,
       v IS NOT NULL AND EXISTS { (v)-[:FRIENDS_WITH]-(o) } AS friends,
       // two hops over a hub's 9,000 friends: asked only when the owner's rule needs it
       CASE WHEN v IS NOT NULL AND coalesce(o.friend_requests_from, 'everyone') = 'friends_of_friends'
            THEN EXISTS { (v)-[:FRIENDS_WITH]-(:User)-[:FRIENDS_WITH]-(o) } ELSE false END AS friends_of_friends
