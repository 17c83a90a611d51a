"""Privacy settings of a user and the rules that enforce them.

Settings are properties of the ``(:User)`` node (defaults in brackets):

- ``profile_visibility``: ``public`` | ``friends`` | ``private`` [public]: who
  sees the full profile (bio, counts, lists); others get a restricted profile.
- ``friend_requests_from``: ``everyone`` | ``friends_of_friends`` | ``nobody``
  [everyone]: who may send a friend request.
- ``messages_from``: ``everyone`` | ``friends`` | ``nobody`` [everyone].
- ``show_followers`` / ``show_friends`` (bool) [true]: whether the
  followers/following and friends lists are shown to others (who must also
  be allowed to see the profile).
- ``locked`` (bool) [false]: a follow becomes a follow request the owner
  approves or rejects.

Blocks always win: a user blocked either way sees nothing and is answered as
if the owner did not exist (:class:`NotFound`), never :class:`Forbidden`.
The owner always sees everything of their own. "Friends" means
``FRIENDS_WITH`` (not mutual follows).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from socialgraph import stores
from socialgraph.core.errors import Forbidden, NotFound, ValidationFailed
from socialgraph.graph.people import forget_profile

PROFILE_VISIBILITY = ("public", "friends", "private")
FRIEND_REQUESTS_FROM = ("everyone", "friends_of_friends", "nobody")
MESSAGES_FROM = ("everyone", "friends", "nobody")
BOOLEAN_SETTINGS = ("show_followers", "show_friends", "locked")
DEFAULTS = {"profile_visibility": "public", "friend_requests_from": "everyone",
            "messages_from": "everyone", "show_followers": True, "show_friends": True,
            "locked": False}
_CHOICES = {"profile_visibility": PROFILE_VISIBILITY, "friend_requests_from": FRIEND_REQUESTS_FROM,
            "messages_from": MESSAGES_FROM}


#: ``listener(uid, private: bool)``, called after ``profile_visibility`` of
#: ``uid`` was written (before the change is reported done). The content
#: package registers the one that re-marks the user's posts
#: (:mod:`socialgraph.content.visibility`).
VISIBILITY_LISTENERS: list[Callable[[str, bool], None]] = []


def register_visibility_listener(listener: Callable[[str, bool], None]) -> None:
    """Add ``listener`` to :data:`VISIBILITY_LISTENERS` (idempotent)."""
    if listener not in VISIBILITY_LISTENERS:
        VISIBILITY_LISTENERS.append(listener)


def is_private(uid: str) -> bool:
    """Whether ``uid``'s ``profile_visibility`` is ``private`` (False if unknown)."""
    rows = stores.graph().read("graph/privacy/get_privacy", uid=uid)
    return bool(rows) and rows[0]["profile_visibility"] == "private"


@dataclass(frozen=True)
class Access:
    """The owner's settings and how the viewer stands to the owner."""

    owner: str
    viewer: str | None
    profile_visibility: str = "public"
    friend_requests_from: str = "everyone"
    messages_from: str = "everyone"
    show_followers: bool = True
    show_friends: bool = True
    locked: bool = False
    blocked: bool = False
    friends: bool = False
    friends_of_friends: bool = False

    @property
    def is_self(self) -> bool:
        return bool(self.viewer) and self.viewer == self.owner

    @property
    def profile(self) -> bool:
        """May the viewer see the full profile?"""
        if self.blocked:
            return False
        if self.is_self or self.profile_visibility == "public":
            return True
        return self.profile_visibility == "friends" and self.friends

    @property
    def followers(self) -> bool:
        """May the viewer see the followers and following lists?"""
        return self.is_self or (self.profile and self.show_followers)

    @property
    def friend_list(self) -> bool:
        """May the viewer see the friends list?"""
        return self.is_self or (self.profile and self.show_friends)

    @property
    def message(self) -> bool:
        if self.blocked or self.is_self:
            return False
        return self.messages_from == "everyone" or (self.messages_from == "friends" and self.friends)

    @property
    def friend_request(self) -> bool:
        if self.blocked or self.is_self or self.friends:
            return False
        return (self.friend_requests_from == "everyone"
                or (self.friend_requests_from == "friends_of_friends" and self.friends_of_friends))


def access(viewer: str | None, owner_uid: str) -> Access:
    """One graph round trip. Raises :class:`NotFound` if ``owner_uid`` is unknown.

    Oneself: the settings alone (``graph/privacy/get_privacy``); a self view
    needs no relation (the relation query costs a hub 300 ms)."""
    if viewer and viewer == owner_uid:
        rows = stores.graph().read("graph/privacy/get_privacy", uid=owner_uid)
        if not rows:
            raise NotFound("no such user")
        return Access(owner=owner_uid, viewer=viewer, **rows[0])
    rows = stores.graph().read("graph/privacy/get_viewer_access", viewer=viewer, owner=owner_uid)
    if not rows:
        raise NotFound("no such user")
    return Access(owner=owner_uid, viewer=viewer, **rows[0])


def can_view_profile(viewer: str | None, owner_uid: str) -> bool:
    """Whether ``viewer`` (uid or ``None`` for anonymous) sees ``owner_uid``'s full profile.

    False for unknown owners and for blocks either way.
    """
    try:
        return access(viewer, owner_uid).profile
    except NotFound:
        return False


def can_message(sender_uid: str, recipient_uid: str) -> bool:
    """Whether ``sender_uid`` may message ``recipient_uid`` (their ``messages_from``;
    blocks either way always forbid; ``friends`` means FRIENDS_WITH)."""
    try:
        return access(sender_uid, recipient_uid).message
    except NotFound:
        return False


def can_send_friend_request(sender: str, target: str) -> bool:
    """Whether ``sender`` may send ``target`` a friend request under ``target``'s
    ``friend_requests_from`` (False for blocks, oneself and existing friends)."""
    try:
        return access(sender, target).friend_request
    except NotFound:
        return False


def require_list_access(viewer: str | None, owner_uid: str, which: str) -> Access:
    """Check that ``viewer`` may see ``owner_uid``'s ``which`` list
    (``followers``, covering following too, or ``friends``).

    Raises :class:`NotFound` (unknown or blocked either way) and
    :class:`Forbidden` (hidden by the owner's settings).
    """
    acc = access(viewer, owner_uid)
    if acc.blocked:
        raise NotFound("no such user")
    allowed = acc.followers if which == "followers" else acc.friend_list
    if not allowed:
        raise Forbidden(f"this user's {which} list is not visible to you")
    return acc


def get_settings(uid: str) -> dict:
    """The caller's privacy settings (``DEFAULTS`` shape). Raises :class:`NotFound`."""
    rows = stores.graph().read("graph/privacy/get_privacy", uid=uid)
    if not rows:
        raise NotFound("no such user")
    return rows[0]


def update_settings(uid: str, changes: dict) -> dict:
    """Change some settings; returns all of them. Unknown keys or values are
    :class:`ValidationFailed` (``errors=[{field, message}]``)."""
    errors = []
    params = {k: None for k in DEFAULTS}
    for key, value in changes.items():
        if key in _CHOICES:
            if value not in _CHOICES[key]:
                errors.append({"field": key, "message": "one of " + ", ".join(_CHOICES[key])})
        elif key in BOOLEAN_SETTINGS:
            if not isinstance(value, bool):
                errors.append({"field": key, "message": "must be true or false"})
        else:
            errors.append({"field": key, "message": "unknown setting"})
        params[key] = value
    if errors:
        raise ValidationFailed("invalid privacy settings", errors=errors)
    rows = stores.graph().write("graph/privacy/update_privacy", uid=uid, **params)
    if not rows:
        raise NotFound("no such user")

    forget_profile(uid)
    if "profile_visibility" in changes:
        for listener in VISIBILITY_LISTENERS:
            listener(uid, rows[0]["profile_visibility"] == "private")
    return rows[0]
