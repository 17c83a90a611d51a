"""Close friends and named lists of users, owned by a user (audiences later).

Graph: ``(owner)-[:CLOSE_FRIEND {created_at}]->(member)`` and
``(owner)-[:OWNS]->(:UserList {uid, name, created_at})-[:INCLUDES {created_at}]->(member)``.
Only the owner sees or changes them; members are not told. A block removes
``CLOSE_FRIEND`` both ways (``graph/relations/create_block.cypher``); list members
blocked either way are left out of list pages.
"""
from __future__ import annotations

import uuid

from socialgraph import stores
from socialgraph.core import clock
from socialgraph.core.errors import NotFound, ValidationFailed
from socialgraph.core.pagination import Page, as_utc
from socialgraph.graph.friends import other_uid, page_people
from socialgraph.graph.relations import blocked_either_way

MAX_NAME = 80


def _member(owner: str, username: str) -> str:
    member = other_uid(owner, username)
    if member in blocked_either_way(owner):
        raise NotFound(f"no user named {username!r}")
    return member


def add_close_friend(owner: str, username: str) -> dict:
    """Put ``username`` on ``owner``'s close-friends list. Idempotent:
    ``{"close_friend": True, "created": bool}``. Raises :class:`NotFound`
    (unknown or blocked either way), :class:`ValidationFailed` (oneself)."""
    member = _member(owner, username)
    rows = stores.graph().write("graph/lists/create_close_friend", owner=owner, member=member,
                                    created_at=clock.now())
    return {"close_friend": True, "created": bool(rows and rows[0]["created"])}


def remove_close_friend(owner: str, username: str) -> dict:
    """Take ``username`` off the list. Idempotent: ``{"close_friend": False, "deleted": bool}``.
    Raises :class:`NotFound` (unknown or blocked either way: a block already
    removed the entry, and the answer must not reveal the blocker)."""
    member = _member(owner, username)
    rows = stores.graph().write("graph/lists/delete_close_friend", owner=owner, member=member)
    return {"close_friend": False, "deleted": bool(rows and rows[0]["deleted"])}


def close_friends(owner: str, cursor: str | None = None, limit: int | None = None) -> Page:
    """``owner``'s close friends, newest first: ``{uid, username, display_name, at}``."""
    return page_people("graph/lists/list_close_friends", cursor, limit, owner=owner)


def _list_out(row: dict) -> dict:
    return {"id": row["id"], "name": row["name"], "created_at": as_utc(row["created_at"]),
            "members": row["members"]}


def create_list(owner: str, name: str) -> dict:
    """A new named list: ``{id, name, created_at, members}``. ``name``: 1..80
    characters after trimming; raises :class:`ValidationFailed`."""
    name = (name or "").strip()
    if not name or len(name) > MAX_NAME:
        raise ValidationFailed("invalid list name", errors=[
            {"field": "name", "message": f"1 to {MAX_NAME} characters"}])
    rows = stores.graph().write("graph/lists/create_user_list", owner=owner, uid=uuid.uuid4().hex,
                                    list_name=name, created_at=clock.now())
    if not rows:
        raise NotFound("no such user")
    return _list_out(rows[0])


def _check_name(name: str | None) -> str:
    name = (name or "").strip()
    if not name or len(name) > MAX_NAME:
        raise ValidationFailed("invalid list name", errors=[
            {"field": "name", "message": f"1 to {MAX_NAME} characters"}])
    return name


def rename_list(owner: str, list_id: str, name: str) -> dict:
    """Give one of ``owner``'s lists a new name (1..80 characters). Raises
    :class:`ValidationFailed` and :class:`NotFound` (not theirs)."""
    rows = stores.graph().write("graph/lists/update_user_list_name", owner=owner, list=list_id,
                                list_name=_check_name(name))
    if not rows:
        raise NotFound("list not found")
    return _list_out(rows[0])


def lists_with_member(owner: str, member: str) -> list[dict]:
    """Those of ``owner``'s lists that include account ``member`` (a uid), newest first."""
    return [_list_out(r) for r in stores.graph().read("graph/lists/list_lists_with_member", owner=owner,
                                                      member=member)]


def user_lists(owner: str) -> list[dict]:
    """All of ``owner``'s lists, newest first."""
    return [_list_out(r) for r in stores.graph().read("graph/lists/list_user_lists", owner=owner)]


def get_list(owner: str, list_id: str) -> dict:
    """One of ``owner``'s lists; :class:`NotFound` if it is not theirs."""
    rows = stores.graph().read("graph/lists/get_user_list", owner=owner, list=list_id)
    if not rows:
        raise NotFound("list not found")
    return _list_out(rows[0])


def delete_list(owner: str, list_id: str) -> None:
    """Delete one of ``owner``'s lists; :class:`NotFound` if it is not theirs."""
    rows = stores.graph().write("graph/lists/delete_user_list", owner=owner, list=list_id)
    if not rows or not rows[0]["deleted"]:
        raise NotFound("list not found")


def add_member(owner: str, list_id: str, username: str) -> dict:
    """Add ``username`` to the list. Idempotent: ``{"member": True, "created": bool}``.
    Raises :class:`NotFound` (list not ``owner``'s, user unknown or blocked)."""
    member = _member(owner, username)
    rows = stores.graph().write("graph/lists/create_list_member", owner=owner, list=list_id, member=member,
                                    created_at=clock.now())
    if not rows:
        raise NotFound("list not found")
    return {"member": True, "created": bool(rows[0]["created"])}


def remove_member(owner: str, list_id: str, username: str) -> dict:
    """Remove ``username`` from the list: ``{"member": False, "deleted": bool}``."""
    get_list(owner, list_id)
    member = other_uid(owner, username)
    rows = stores.graph().write("graph/lists/delete_list_member", owner=owner, list=list_id, member=member)
    return {"member": False, "deleted": bool(rows and rows[0]["deleted"])}


def members(owner: str, list_id: str, cursor: str | None = None, limit: int | None = None) -> Page:
    """Members of one of ``owner``'s lists, newest first; :class:`NotFound` if not theirs."""

    get_list(owner, list_id)
    page = page_people("graph/lists/list_list_members", cursor, limit, owner=owner, list=list_id)
    hidden = blocked_either_way(owner)
    return Page([i for i in page.items if i["uid"] not in hidden], page.next_cursor)
