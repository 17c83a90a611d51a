"""Every domain package, imported once at start-up in the package order.

Lower packages never import higher ones; where a lower package must act for
a higher one, the higher one fills a registry when it is imported:

- :mod:`socialgraph.core.areas`: each area's export, import and erase step
  (account deletion and the data archive walk them);
- :mod:`socialgraph.core.events`: domain events -> RQ job paths;
- :mod:`socialgraph.graph.users` ``PROFILE_FLAGS``: per-viewer flags on a
  profile that other packages compute (stories: ``has_unseen_stories``);
- :mod:`socialgraph.content.visibility` ``GROUP_READERS``: who may read a
  group's posts (groups).

:func:`socialgraph.app.create_app` imports this module, so the web process,
the RQ workers and the CLI all have every registry filled. The order below
is the package order of the README's architecture sketch, bottom first.
"""

# ruff: noqa: F401  (imported for their registrations)
from socialgraph.graph import (blocks, caches, follows, friends, lists, people, privacy, profiles,
                               relations, suggestions)
from socialgraph.accounts import deletion, login_monitor, oauth, passwords, service, sessions, twofactor
from socialgraph.content import (avatars, comments, images, keywords, media, postcache, posts, reactions, search,
                                 visibility)
from socialgraph.groups import directory, membership, userdata
from socialgraph.groups import events as group_events
from socialgraph.groups import posts as group_posts
from socialgraph.stories import highlights, stories
from socialgraph.messaging import hub, messages, notifications, push, realtime
from socialgraph.feeds import home, trends
from socialgraph.moderation import service as moderation_service
from socialgraph.portability import service as portability_service
from socialgraph import importers
from socialgraph.operations import counters, degrees, doctor, invariants, jobs, stores, sweeper

#: the domain packages, bottom of the order first (README, "Architecture")
PACKAGES = ("graph", "accounts", "content", "groups", "stories", "messaging", "feeds", "moderation",
            "portability", "importers", "operations")
