"""Mastodon entities built from our profiles: ``Account``, ``CredentialAccount``
(``source``), ``Relationship`` (https://docs.joinmastodon.org/entities/).

Ids are strings: an account's id is our uid. A user is local, so ``acct`` is
the username. Everything a viewer may not see stays hidden through the same
services as the native API: :func:`socialgraph.graph.profiles.get_profile`
(privacy settings, blocks either way answer 404) and
:func:`socialgraph.graph.relations.relationship`.

Our extensions ride in a ``socialgraph`` object beside Mastodon's fields
(clients ignore unknown fields): on ``Account`` ``{friends_count,
restricted}``, on ``Relationship`` ``{friends, friend_request_sent,
friend_request_received, close_friend_of}`` (a friendship is also a follow
each way, so Mastodon clients see friends as mutual follows; see
``docs/mastodon.md``).

Status builders are not here: they belong to the statuses module.
"""
from __future__ import annotations

from datetime import datetime
from html import escape

from flask import current_app

from socialgraph import stores
from socialgraph.content.avatars import avatar_urls, cover_urls
from socialgraph.core.errors import NotFound
from socialgraph.core.pagination import as_utc
from socialgraph.graph import profiles
from socialgraph.graph.people import short_profiles
from socialgraph.graph.relations import relationship as graph_relationship
from socialgraph.mastodon.dispatch import public_url

#: a statuses_count is counted up to this many posts (an index range scan; "10000+" is enough for a profile)
STATUSES_COUNT_CAP = 10000


def iso(value) -> str | None:
    """An ISO 8601 UTC time with milliseconds and ``Z`` (Mastodon's format)."""
    if value is None:
        return None
    if not isinstance(value, datetime):
        return str(value)
    return as_utc(value).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def note_html(bio: str | None) -> str:
    """Our plain-text bio as Mastodon's HTML ``note`` (escaped, paragraphs and line breaks)."""
    if not bio:
        return ""
    paragraphs = [p for p in bio.replace("\r\n", "\n").split("\n\n") if p.strip()]
    return "".join(f"<p>{escape(p).replace(chr(10), '<br>')}</p>" for p in paragraphs)


def statuses_count(uid: str) -> int:
    """How many posts ``uid`` wrote (``posts.author_timeline`` index, capped at :data:`STATUSES_COUNT_CAP`)."""
    return stores.mongo().posts.count_documents({"author_id": uid}, limit=STATUSES_COUNT_CAP)


def _web_url(username: str) -> str:
    return f"{current_app.config['PUBLIC_BASE_URL']}/#/u/{username}"


def account(profile: dict, *, counts: bool = True) -> dict:
    """Mastodon ``Account`` from a profile of :func:`get_profile` (or a short
    profile: then counts are 0 unless given in it). A ``restricted`` profile
    (hidden by its owner's privacy settings) keeps its name and pictures only."""
    uid = profile["uid"]
    username = profile["username"]
    avatars = avatar_urls(uid, profile.get("avatar_id")) or {}
    covers = cover_urls(uid, profile.get("cover_id")) or {}
    avatar = avatars.get("400") or public_url("/avatars/missing.png")
    header = covers.get("1500") or public_url("/headers/missing.png")
    created = profile.get("created_at")
    return {
        "id": uid,
        "username": username,
        "acct": username,
        "display_name": profile.get("display_name") or username,
        "locked": bool(profile.get("locked")),
        "bot": False,
        "discoverable": not profile.get("restricted", False),
        "indexable": not profile.get("restricted", False),
        "group": False,
        "noindex": bool(profile.get("restricted", False)),
        "created_at": iso(created) if created else iso(datetime(1970, 1, 1)),
        "note": note_html(profile.get("bio")),
        "url": _web_url(username),
        "uri": _web_url(username),
        "avatar": avatar,
        "avatar_static": avatar,
        "header": header,
        "header_static": header,
        "followers_count": int(profile.get("followers_count") or 0),
        "following_count": int(profile.get("following_count") or 0),
        "statuses_count": statuses_count(uid) if counts and not profile.get("restricted") else 0,
        "last_status_at": None,
        "hide_collections": profile.get("restricted", False),
        "emojis": [],
        "fields": [],
        "roles": [],
        "socialgraph": {"friends_count": profile.get("friends_count"),
                        "restricted": bool(profile.get("restricted", False))},
    }


def account_by_username(username: str, viewer: str | None) -> dict:
    """``Account`` of ``username`` as ``viewer`` may see it. Raises :class:`NotFound`."""
    return account(profiles.get_profile(username, viewer, mutual=False))


def account_by_id(uid: str, viewer: str | None) -> dict:
    """``Account`` of account id (uid) ``uid``. Raises :class:`NotFound` (unknown, blocked either way)."""
    return account(profiles.get_profile(username_of(uid), viewer, mutual=False))


def username_of(uid: str) -> str:
    """The username of account id ``uid``. Raises :class:`NotFound` ("Record not found")."""
    if not isinstance(uid, str) or not uid or len(uid) > 100:
        raise NotFound("Record not found")
    short = short_profiles([uid]).get(uid)
    if not short or not short.get("username"):
        raise NotFound("Record not found")
    return short["username"]


def accounts_by_id(uids: list[str], viewer: str | None, *, counts: bool = False) -> dict[str, dict]:
    """``uid -> Account`` for those of ``uids`` the viewer may see (blocked
    ones and unknown ones are left out). Profile cards are Redis copies, so a
    page of 40 costs about one MGET plus a graph query for the cold ones;
    ``counts`` adds ``statuses_count`` (one index count each)."""
    out = {}
    for uid, short in short_profiles(list(uids)).items():
        try:
            profile = profiles.get_profile(short["username"], viewer, mutual=False)
        except NotFound:
            continue
        out[uid] = account(profile, counts=counts)
    return out


def credential_account(uid: str) -> dict:
    """``CredentialAccount`` of the caller: ``Account`` plus ``source`` (plain
    note, default visibility, follow-request count) and ``role``."""
    me = account_by_id(uid, uid)
    profile = profiles.get_profile(me["username"], uid, mutual=False)
    me["source"] = {"privacy": "public", "sensitive": False, "language": None,
                    "note": profile.get("bio") or "", "fields": [], "follow_requests_count": 0,
                    "hide_collections": False, "discoverable": True, "indexable": True}
    me["role"] = {"id": "-99", "name": "", "permissions": "0", "color": "", "highlighted": False}
    return me


def relationship(viewer: str, other: str) -> dict:
    """Mastodon ``Relationship`` of ``viewer`` to account id ``other``. Raises
    :class:`NotFound` for an unknown account. A block either way shows only
    the viewer's own block (``blocking``); Mastodon shows ``blocked_by`` too,
    but here a blocker does not exist for the blocked (as in the native API)."""
    username = username_of(other)
    rel = graph_relationship(viewer, other)
    requested = requested_by = request_sent = request_received = False
    if not rel.blocked_either_way and viewer != other:
        rows = stores.graph().read("graph/users/get_viewer_relation", viewer=viewer, owner=other)
        if rows:
            requested = bool(rows[0]["follow_requested"])
            request_sent, request_received = bool(rows[0]["request_sent"]), bool(rows[0]["request_received"])
        back = stores.graph().read("graph/users/get_viewer_relation", viewer=other, owner=viewer)
        if back:
            requested_by = bool(back[0]["follow_requested"])
    hidden = rel.blocked_by and not rel.blocking
    return {
        "id": other,
        "following": rel.following and not hidden,
        "showing_reblogs": rel.following and not hidden,
        "notifying": False,
        "languages": None,
        "followed_by": rel.followed_by and not hidden,
        "blocking": rel.blocking,
        "blocked_by": False,
        "muting": rel.muting,
        "muting_notifications": rel.muting,
        "requested": requested,
        "requested_by": requested_by,
        "domain_blocking": False,
        "endorsed": False,
        "note": "",
        "socialgraph": {"friends": rel.friends and not hidden, "friend_request_sent": request_sent,
                        "friend_request_received": request_received,
                        "close_friend_of": rel.close_friend_of and not hidden,
                        "username": username},
    }
