"""Mastodon's status operations mapped onto our services (the mapping table
is in ``docs/mastodon.md``). Every rule (who may see, edit, delete, react,
share; blocks; private accounts; rate limits) is the one of the service
called: this module only decides *which* service a Mastodon call means.

Ids: a status id is a post id, a comment id or, for ``direct`` statuses, a
message id (all MongoDB ObjectIds, 24 hex digits, unique across
collections, increasing with time, so Mastodon clients that compare ids as
strings of equal length order them correctly).
"""
from __future__ import annotations

from socialgraph.content import comments, posts, reactions
from socialgraph.content.reactions import REACTION_TYPES
from socialgraph.core.errors import Conflict, NotFound, ValidationFailed
from socialgraph.core.text import extract_mentions
from socialgraph.mastodon import status_entities as ent
from socialgraph.mastodon.entities import accounts_by_id
from socialgraph.messaging import messages
from socialgraph.stores.documents import parse_id

#: descendants shown by :func:`context` at most (Mastodon also bounds them)
CONTEXT_MAX = comments.THREAD_MAX


def find(status_id: str, viewer: str | None) -> tuple[str, dict, dict]:
    """``(kind, item, post)`` of a status id the viewer may see: kind ``post``
    (item = post) or ``comment`` (item = the comment, post = its post), in
    the services' shapes. Raises :class:`NotFound` (also for a malformed id)."""
    parse_id(status_id, "status")
    try:
        post = posts.get_post(status_id, viewer)
        return "post", post, post
    except NotFound:
        pass
    comment = comments.get_comment(status_id, viewer)
    if comment["deleted"]:  # a placeholder kept for its replies is no status
        raise NotFound("status not found")
    return "comment", comment, posts.get_post(comment["post_id"], viewer)


def entity(kind: str, item: dict, post: dict, viewer: str | None) -> dict:
    """The Status of what :func:`find` returned."""
    if kind == "post":
        return ent.statuses([post], viewer)[0]
    parents = {}
    if item.get("parent_id"):
        try:
            parent = comments.get_comment(item["parent_id"], viewer)
            if not parent["deleted"]:
                parents[parent["id"]] = parent["author"]["uid"]
        except NotFound:
            pass
    out = ent.comment_statuses([item], post, viewer, parents)
    if not out:
        raise NotFound("status not found")
    return out[0]


def get_status(status_id: str, viewer: str | None) -> dict:
    """One Status. Raises :class:`NotFound`."""
    return entity(*find(status_id, viewer), viewer)


def statuses_of(ids: list[str], viewer: str | None) -> list[dict]:
    """Statuses of the ids the viewer may see, in order; others are left out
    (``GET /api/v1/statuses?id[]=``)."""
    out = []
    for sid in ids[:40]:
        try:
            out.append(get_status(sid, viewer))
        except NotFound:
            continue
    return out


def create_status(uid: str, text: str, *, media_ids: list[str], visibility: str | None,
                  sensitive: bool, spoiler_text: str | None, in_reply_to_id: str | None,
                  audience: str | None = None) -> dict:
    """``POST /api/v1/statuses``: a post, a comment (``in_reply_to_id``: a post
    or comment the caller may see) or, with ``visibility: direct``, a
    direct message to the users mentioned (one conversation with them all).

    ``audience`` (our extension, form field ``socialgraph_audience``): one of
    our audiences, overriding ``visibility``. Raises
    :class:`ValidationFailed`, :class:`NotFound`, :class:`Forbidden`."""
    visibility = visibility or "public"
    if visibility == "direct" and not audience:
        names = extract_mentions(text)
        if not names:
            raise ValidationFailed("a direct status needs at least one @mention",
                                   errors=[{"field": "status", "message": "mention whom it is for"}])
        if media_ids:
            raise ValidationFailed("direct statuses carry no media here",
                                   errors=[{"field": "media_ids", "message": "not supported for direct"}])
        conv = messages.start_conversation(uid, names)
        msg = messages.send_message(uid, conv["id"], text)
        return ent.message_status(msg, conv, uid)
    if visibility not in ent.AUDIENCE_OF_VISIBILITY and not audience:
        raise ValidationFailed("unknown visibility", errors=[
            {"field": "visibility", "message": "one of public, unlisted, private, direct"}])
    if in_reply_to_id:
        if media_ids:
            raise ValidationFailed("replies carry no media here",
                                   errors=[{"field": "media_ids", "message": "not supported for replies"}])
        kind, item, post = find(in_reply_to_id, uid)
        comment = comments.add_comment(post["id"], uid, text, item["id"] if kind == "comment" else None)
        parents = {item["id"]: item["author"]["uid"]} if kind == "comment" else {}
        return ent.comment_statuses([comment], post, uid, parents)[0]
    post = posts.create_post(uid, text, media_ids=media_ids,
                             visibility=audience or ent.AUDIENCE_OF_VISIBILITY[visibility],
                             sensitive=sensitive, content_warning=spoiler_text or None)
    return ent.statuses([post], uid)[0]


def edit_status(uid: str, status_id: str, *, text: str | None, spoiler_text: str | None,
                sensitive: bool | None, media_ids: list[str] | None) -> dict:
    """``PUT /api/v1/statuses/:id``: a post's text, content warning and
    sensitive flag (its media stay: changing them is refused), or a
    comment's text. Raises :class:`NotFound`, :class:`Forbidden`,
    :class:`ValidationFailed`."""
    kind, item, post = find(status_id, uid)
    if kind == "comment":
        comments.edit_comment(status_id, uid, text or "")
        return get_status(status_id, uid)
    current = sorted(m["id"] for m in post.get("media") or [])
    if media_ids is not None and sorted(media_ids) != current:
        raise ValidationFailed("media of a published status cannot be changed here",
                               errors=[{"field": "media_ids", "message": "must be the status's own media"}])
    kw: dict = {}
    if sensitive is not None:
        kw["sensitive"] = sensitive
    if spoiler_text is not None:
        kw["content_warning"] = spoiler_text
    if text is not None:
        edited = posts.edit_post(status_id, uid, text, **kw)
    else:
        edited = posts.edit_post(status_id, uid, **kw)
    return ent.statuses([edited], uid)[0]


def history(status_id: str, viewer: str | None) -> list[dict]:
    """``GET /api/v1/statuses/:id/history``: StatusEdit list, oldest first,
    the current version last (as Mastodon does); a comment has only its
    current version."""
    kind, item, post = find(status_id, viewer)
    current = entity(kind, item, post, viewer)
    versions = []
    if kind == "post":
        for h in posts.post_history(status_id, viewer):
            versions.append({"content": ent.render_html(h.get("text") or ""), "spoiler_text": h.get("content_warning") or "",
                             "sensitive": bool(h.get("sensitive")), "created_at": ent.iso(h["at"]),
                             "account": current["account"], "poll": None,
                             "media_attachments": current["media_attachments"], "emojis": []})
    versions.append({"content": current["content"], "spoiler_text": current["spoiler_text"],
                     "sensitive": current["sensitive"], "created_at": current["edited_at"] or current["created_at"],
                     "account": current["account"], "poll": None,
                     "media_attachments": current["media_attachments"], "emojis": []})
    return versions


def source(status_id: str, viewer: str) -> dict:
    """``GET /api/v1/statuses/:id/source``: ``{id, text, spoiler_text}``."""
    kind, item, post = find(status_id, viewer)
    if kind == "comment":
        return {"id": item["id"], "text": item.get("text") or "", "spoiler_text": ""}
    return {"id": post["id"], "text": post.get("text") or "", "spoiler_text": post.get("content_warning") or ""}


def delete_status(uid: str, status_id: str) -> dict:
    """``DELETE /api/v1/statuses/:id``: the deleted Status with its ``text``
    (source) for "delete and redraft". Authors only (a post's author may also
    delete comments on it, as in the native API)."""
    kind, item, post = find(status_id, uid)
    out = entity(kind, item, post, uid)
    out["text"] = item.get("text") or ""
    if kind == "comment":
        comments.delete_comment(status_id, uid)
    else:
        posts.delete_post(status_id, uid)
    return out


def context(status_id: str, viewer: str | None) -> dict:
    """``GET /api/v1/statuses/:id/context``: ``{ancestors, descendants}``. For
    a post: no ancestors, its comment tree (reading order) as descendants.
    For a comment: the post and the parent chain, then its own replies."""
    kind, item, post = find(status_id, viewer)
    tree = comments.thread(post["id"], viewer, CONTEXT_MAX)
    by_id = {c["id"]: c for c in tree}
    parents = {c["id"]: c["author"]["uid"] for c in tree if c.get("author")}
    if kind == "post":
        return {"ancestors": [], "descendants": ent.comment_statuses(tree, post, viewer, parents)}
    chain = []
    parent = item.get("parent_id")
    while parent and parent in by_id:
        chain.append(by_id[parent])
        parent = by_id[parent].get("parent_id")
    chain.reverse()
    below, inside = [], {item["id"]}
    for c in tree:  # reading order: a reply comes after its parent
        if c.get("parent_id") in inside:
            inside.add(c["id"])
            below.append(c)
    return {"ancestors": ent.statuses([post], viewer) + ent.comment_statuses(chain, post, viewer, parents),
            "descendants": ent.comment_statuses(below, post, viewer, parents)}


def react(uid: str, status_id: str, reaction: str) -> dict:
    """Set our reaction ``reaction`` on a status (favourite = ``like``)."""
    kind, item, _post = find(status_id, uid)
    reactions.react(kind, item["id"], uid, reaction)
    return get_status(status_id, uid)


def react_emoji(uid: str, status_id: str, emoji: str) -> dict:
    """:func:`react` with an emoji (Akkoma/Pleroma): the status is looked up
    first (404 before 422, as Mastodon answers)."""
    find(status_id, uid)
    return react(uid, status_id, reaction_type(emoji))


def unreact_emoji(uid: str, status_id: str, emoji: str) -> dict:
    """:func:`unreact` with an emoji; the status is looked up first."""
    find(status_id, uid)
    return unreact(uid, status_id, reaction_type(emoji))


def unreact(uid: str, status_id: str, reaction: str | None) -> dict:
    """Remove the caller's reaction when it is ``reaction`` (``None``: any)."""
    kind, item, _post = find(status_id, uid)
    mine = reactions.viewer_reactions(uid, [f"{kind}:{item['id']}"]).get(f"{kind}:{item['id']}")
    if mine is not None and (reaction is None or mine == reaction):
        reactions.unreact(kind, item["id"], uid)
    return get_status(status_id, uid)


def reblog(uid: str, status_id: str, visibility: str | None = None) -> dict:
    """``POST /statuses/:id/reblog``: our repost of a public post; the reblog
    Status (``reblog``: the original). A second reblog answers the original
    as Mastodon answers it (idempotent). Comments cannot be shared here."""
    kind, item, post = find(status_id, uid)
    if kind == "comment":
        raise ValidationFailed("only posts can be reblogged", errors=[{"field": "id", "message": "is a reply"}])
    audience = ent.AUDIENCE_OF_VISIBILITY.get(visibility or "public", "public")
    try:
        share = posts.share_post(status_id, uid, None, audience)
    except Conflict:
        return get_status(status_id, uid)
    return ent.statuses([share], uid)[0]


def unreblog(uid: str, status_id: str) -> dict:
    """``POST /statuses/:id/unreblog``: deletes the caller's repost; the original."""
    kind, item, post = find(status_id, uid)
    if kind == "post":
        posts.unshare_post(status_id, uid)
    original = post["shared_post"]["id"] if post.get("kind") == "repost" and post.get("shared_post") else post["id"]
    return get_status(original, uid)


def favourited_by(status_id: str, viewer: str | None, limit: int) -> list[dict]:
    """Accounts that favourited (our ``like``), newest first."""
    kind, item, _post = find(status_id, viewer)
    page = reactions.list_reactions(kind, item["id"], viewer, "like", None, limit)
    uids = [r["user"]["uid"] for r in page.items]
    accounts = accounts_by_id(uids, viewer)
    return [accounts[u] for u in uids if u in accounts]


def reblogged_by(status_id: str, viewer: str | None, limit: int) -> list[dict]:
    """Accounts that reblogged (our reposts), newest first."""
    kind, item, _post = find(status_id, viewer)
    if kind == "comment":
        return []
    uids = [p["uid"] for p in posts.reposters(status_id, viewer, limit)]
    accounts = accounts_by_id(uids, viewer)
    return [accounts[u] for u in uids if u in accounts]


def reaction_type(emoji: str) -> str:
    """Our reaction type of an emoji (Akkoma/Pleroma endpoint); the type's
    own name is accepted too. Raises :class:`ValidationFailed`."""
    if emoji in REACTION_TYPES:
        return emoji
    try:
        return ent.REACTION_OF_EMOJI[emoji]
    except KeyError:
        raise ValidationFailed("unknown reaction", errors=[
            {"field": "emoji", "message": "one of " + " ".join(ent.EMOJI.values())}])


def emoji_reactions(status_id: str, viewer: str | None) -> list[dict]:
    """``GET /api/v1/pleroma/statuses/:id/reactions``: ``[{name, count, me,
    accounts}]`` per reaction type present (``accounts``: up to 40, newest first)."""
    kind, item, post = find(status_id, viewer)
    counts = (post.get("counts") or {}).get("reactions") if kind == "post" else item.get("reactions")
    mine = reactions.viewer_reactions(viewer, [f"{kind}:{item['id']}"]).get(f"{kind}:{item['id']}") if viewer else None
    out = []
    for t, n in sorted((counts or {}).items()):
        if n <= 0 or t not in ent.EMOJI:
            continue
        page = reactions.list_reactions(kind, item["id"], viewer, t, None, 40)
        uids = [r["user"]["uid"] for r in page.items]
        accounts = accounts_by_id(uids, viewer)
        out.append({"name": ent.EMOJI[t], "count": n, "me": mine == t,
                    "accounts": [accounts[u] for u in uids if u in accounts]})
    return out

