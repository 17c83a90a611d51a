"""The graph model as neomodel classes (the schema analysts see in Neo4j Browser).

Labels and relationship types:

- ``(:User {uid, username, display_name, bio, created_at, source})``
  ``uid`` and ``username`` are unique (``cypher/schema/``). ``source`` tells
  where the node came from: ``signup`` or an import (``snap-facebook``, ...).
- ``(:User)-[:FOLLOWS {created_at}]->(:User)``: the follower points at the
  followee. A friendship in an imported undirected graph is two FOLLOWS.

Schema (constraints, indexes) is created with the ``IF NOT EXISTS`` Cypher
files in ``cypher/schema/``, not with neomodel's ``install_all_labels``, so
that it is idempotent on Neo4j 5 and on ArcadeDB alike.
"""
from __future__ import annotations

from neomodel import (DateTimeNeo4jFormatProperty, RelationshipTo, StringProperty, StructuredNode,
                      StructuredRel)


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

    following = RelationshipTo("User", "FOLLOWS", model=Follow)
