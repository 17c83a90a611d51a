"""The graph model as neomodel classes (the schema analysts see in Neo4j Browser).

Labels and relationship types:

- ``(:User {uid, username, display_name, bio, created_at, source})``
  ``uid`` and ``username`` are unique (``cypher/schema/``). ``source`` tells
  where the node came from: ``signup`` or an import (``snap-facebook``, ...).
- ``(:User)-[:FOLLOWS {created_at}]->(:User)``: the follower points at the
  followee. A friendship in an imported undirected graph is two FOLLOWS.
- ``(:Group {uid, name, name_lower, description, privacy, cover_key, created_at})``
  with ``(:User)-[:MEMBER_OF {role, owner, since}]->(:Group)``,
  ``[:REQUESTED_JOIN {created_at}]``, ``[:INVITED_TO {by, created_at}]`` and
  ``[:BANNED_FROM {by, created_at}]`` (see :mod:`socialgraph.groups`).

Schema (constraints, indexes) is created with the ``IF NOT EXISTS`` Cypher
files in ``cypher/schema/``, not with neomodel's ``install_all_labels``, so
that it is idempotent on Neo4j 5 and on ArcadeDB alike.
"""
from __future__ import annotations

from neomodel import (
    BooleanProperty,
    DateTimeNeo4jFormatProperty,
    IntegerProperty,
    RelationshipFrom,
    RelationshipTo,
    StringProperty,
    StructuredNode,
    StructuredRel,
)


class Follow(StructuredRel):
    """``[:FOLLOWS {created_at}]``: when the follow was made (UTC)."""

    created_at = DateTimeNeo4jFormatProperty(default_now=True)


class User(StructuredNode):
    """A person. Credentials live in MongoDB ``accounts`` (same ``uid``), never here."""

    uid = StringProperty(required=True)
    username = StringProperty(required=True)
    display_name = StringProperty(default="")
    bio = StringProperty(default="")
    created_at = DateTimeNeo4jFormatProperty(default_now=True)
    source = StringProperty(default="signup")
    # degree counts kept by every graph write (issue 22; see README, graph model)
    followers_count = IntegerProperty(default=0)
    following_count = IntegerProperty(default=0)
    friends_count = IntegerProperty(default=0)

    following = RelationshipTo("User", "FOLLOWS", model=Follow)


# -- groups (socialgraph/groups.py; queries in cypher/groups/) ------------------
class Membership(StructuredRel):
    """``[:MEMBER_OF {role, owner, since}]``: role ``admin``/``moderator``/``member``;
    exactly one member per group has ``owner: true`` and is an admin."""

    role = StringProperty(required=True, choices={"admin": "admin", "moderator": "moderator", "member": "member"})
    owner = BooleanProperty(default=False)
    since = DateTimeNeo4jFormatProperty(default_now=True)
    notify = StringProperty(default="highlights", choices={"all": "all", "highlights": "highlights", "off": "off"})


class JoinRequest(StructuredRel):
    """``[:REQUESTED_JOIN {created_at}]``: a pending request to join a private group."""

    created_at = DateTimeNeo4jFormatProperty(default_now=True)


class Invitation(StructuredRel):
    """``[:INVITED_TO {by, created_at}]``: ``by`` is the inviting member's uid."""

    by = StringProperty()
    created_at = DateTimeNeo4jFormatProperty(default_now=True)


class Ban(StructuredRel):
    """``[:BANNED_FROM {by, created_at}]``: ``by`` is the moderator's or admin's uid."""

    by = StringProperty()
    created_at = DateTimeNeo4jFormatProperty(default_now=True)


class Group(StructuredNode):
    """A group; its posts, events and RSVPs live in MongoDB (``group_id`` = ``uid``)."""

    uid = StringProperty(required=True)
    name = StringProperty(required=True)
    name_lower = StringProperty(required=True)
    description = StringProperty(default="")
    privacy = StringProperty(required=True, choices={"public": "public", "private": "private", "secret": "secret"})
    cover_key = StringProperty()
    created_at = DateTimeNeo4jFormatProperty(default_now=True)

    members = RelationshipFrom("User", "MEMBER_OF", model=Membership)
    join_requests = RelationshipFrom("User", "REQUESTED_JOIN", model=JoinRequest)
    invitations = RelationshipFrom("User", "INVITED_TO", model=Invitation)
    bans = RelationshipFrom("User", "BANNED_FROM", model=Ban)
