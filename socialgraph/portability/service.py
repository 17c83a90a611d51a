"""Data portability: the per-area registry of exporters, importers and erasers,
the export archive (an RQ job) and its import into another account.

Every area of the data model registers one :class:`Area` with
:func:`register_area`; the export, the import and account deletion
(:mod:`socialgraph.accounts.deletion`) walk :data:`AREAS` in ``order``, so a new area
(friendships, media, messages, stories, groups, notifications, ...) plugs in
by adding one ``register_area(...)`` call next to its service, without
touching this module's code::

    register_area("messages", order=35,
                  export=lambda ctx: ctx.add_json("messages.json", ...),
                  erase=lambda uid: ...,          # idempotent: may run again after a crash
                  import_=lambda ctx: {...})      # optional; returns counts

Archive format (a zip; JSON is UTF-8; ActivityStreams 2.0 where it fits,
as Mastodon's archive does; https://www.w3.org/TR/activitystreams-core/):

==========================  ===================================================
``manifest.json``           ``{format: "socialgraph-export", version: 1,
                            exported_at, uid, username, files: [...]}``
``actor.json``              AS2 ``Person`` (preferredUsername, name, summary, published)
``account.json``            username, email, email_verified, created_at, two_factor_enabled
``relationships.json``      ``{following, followers, blocking, muting: [username],
                            relationships: [{type, direction, other}]}`` (all graph edges)
``outbox.json``             AS2 ``OrderedCollection`` of ``Create`` activities whose
                            ``object`` is a ``Note`` (content = text, published, updated,
                            tag = Hashtag, ``sg:history``, ``sg:counts``)
``comments.json``           AS2 ``OrderedCollection`` of ``Note`` with ``inReplyTo``
``likes.json``              AS2 ``OrderedCollection`` of ``Like`` (``sg:reaction`` = type)
``sessions.json``           active and past sessions (created_at, ip, user_agent, revoked_at)
``login_attempts.json``     the account's recorded sign-in attempts
``media/<path>``            every object under the user's prefix ``users/<uid>/``
                            (except earlier exports and imports)
``messages.json``           ``{conversations: [{id, kind, title, members: [username],
                            created_at, last_message_at}], messages: [{id,
                            conversation_id, text, created_at}]}`` (messages the user sent)
``notifications.json``      ``{notifications: [API shape: id, seq, type, summary, actors,
                            object, read, created_at, ...], preferences: {type: {in_app,
                            realtime, email}}}``
``stories.json``            ``{stories: [{id, kind, text, background, overlays, stickers,
                            audience, created_at, expires_at, kept, view_count, file}],
                            highlights: [{id, title, story_ids}], views: [{story_id,
                            viewed_at, reaction}], replies: [{story_id, text, created_at}]}``
``stories/<id>.jpg``        story images (objects under ``stories/<uid>/``)
``groups.json``             ``{memberships: [{group_id, name, privacy, role, owner}],
                            events_created: [...], rsvps: [{event_id, group_id, status, at}]}``
                            (group posts are in ``outbox.json``)
``media.json``              ``{media: [{id, kind, status, content_type, size, width,
                            height, duration, description, post_id, created_at}], files: [path]}``
``attachments/<id>/<name>`` media files (objects under ``media/<uid>/``)
``lists.json``              ``{lists: [{id, name, created_at, members: [username]}],
                            close_friends: [username]}``
==========================  ===================================================

Deletion (:mod:`socialgraph.accounts.deletion`) runs the erasers in ``order``: posts
(20), objects under ``users/<uid>/`` (40), Redis (50: :data:`REDIS_USER_KEYS`,
:data:`REDIS_USER_PATTERNS`, presence), messages (60: the user's messages go,
the user leaves every conversation, empty ones go), notifications (61: own ones
and preferences; the user is taken out of others' actors), stories (62:
stories, views, replies, highlights, ledger, objects under ``stories/<uid>/``),
groups (63: ownership or the admin role is handed to another member first, a
group with no other member is deleted; RSVPs go), media (64: documents and
objects under ``media/<uid>/``), named lists (80), the graph node with every relationship
(friendships, requests, close friends, lists, follows, blocks, memberships;
90), sessions/attempts/exports/imports (95), the account (100). Messages,
notifications, stories, groups and media are not imported.

The archive is stored at ``users/<uid>/exports/<export_id>.zip`` in the
media bucket and downloaded through a presigned URL that expires after
``SG_EXPORT_LINK_SECONDS``. When it is ready the domain event
``export.ready {user_id, export_id}`` is published (its subscribers email
the link and notify the user).

Import (:func:`start_import`) reads such an archive into the caller's
account: profile (display name, bio), follows, blocks and mutes by
username (unknown users are skipped), posts with their original text and
dates and audience (which Mastodon's import cannot do; group posts are not
imported, an audience that cannot be rebuilt becomes ``only_me``), and media files. It is
idempotent: posts are keyed ``import:<uid>:<original id>`` (unique
``source_key``), so a re-run creates nothing twice.
"""
from __future__ import annotations

import io
import json
import logging
import uuid
import zipfile
from datetime import datetime, timedelta, timezone

from flask import current_app

from socialgraph import stores
from socialgraph.accounts import deletion
from socialgraph.stores import objecturls
from socialgraph.content import postcache
from socialgraph.content.comments import erase_comments_of
from socialgraph.content.keywords import VERSION as KEYWORDS_VERSION
from socialgraph.content.keywords import keywords
from socialgraph.content.posts import MAX_TEXT, purge_post
from socialgraph.content.reactions import REACTIONS_KEY
from socialgraph.content.visibility import AUDIENCES
from socialgraph.core import clock, events, text
from socialgraph.core.areas import (
    AREAS,
    ExportContext,
    ImportContext,
    _json_default,
    register_area,
)
from socialgraph.core.errors import DomainError, NotFound, PayloadTooLarge, ValidationFailed
from socialgraph.core.pagination import as_utc
from socialgraph.core.text import extract_hashtags, extract_mentions
from socialgraph.graph import blocks, follows, people, privacy
from socialgraph.graph.blocks import forget
from socialgraph.graph.caches import forget_following
from socialgraph.graph.friends import forget_friends
from socialgraph.graph.people import PROFILE_KEY, SHORT_KEY, short_profiles
from socialgraph.stores import mail, readcache

log = logging.getLogger(__name__)

FORMAT = "socialgraph-export"
VERSION = 1
AS_CONTEXT = "https://www.w3.org/ns/activitystreams"
OBJECT_PREFIX = "users/{uid}/"
EXPORT_KEY = "users/{uid}/exports/{export_id}.zip"
IMPORT_KEY = "users/{uid}/imports/{import_id}.zip"
MAX_IMPORT_POSTS = 100_000


def _iso(value) -> str | None:
    return _json_default(value) if value else None


# -- export -------------------------------------------------------------------
def request_export(uid: str) -> dict:
    """Queue an export of everything ``uid`` has: ``{id, status: "pending", created_at}``."""
    export_id = uuid.uuid4().hex
    doc = {"_id": export_id, "uid": uid, "status": "pending", "created_at": clock.now()}
    stores.mongo().exports.insert_one(doc)
    stores.tasks().enqueue("jobs.accounts.build_export", export_id)
    return present_export(stores.mongo().exports.find_one({"_id": export_id}) or doc)


def present_export(doc: dict) -> dict:
    out = {"id": doc["_id"], "status": doc["status"], "created_at": as_utc(doc["created_at"]),
           "ready_at": as_utc(doc.get("ready_at")), "size": doc.get("size"), "download_url": None,
           "expires_at": None}
    if doc["status"] == "ready":
        seconds = current_app.config["EXPORT_LINK_SECONDS"]
        out["download_url"] = objecturls.presigned_get(doc["key"], seconds)
        out["expires_at"] = clock.now() + timedelta(seconds=seconds)
    return out


def get_export(uid: str, export_id: str) -> dict:
    """One of the caller's exports. Raises :class:`NotFound` (unknown or someone else's)."""
    doc = stores.mongo().exports.find_one({"_id": str(export_id), "uid": uid})
    if doc is None:
        raise NotFound("export not found")
    return present_export(doc)


def build_export(export_id: str) -> dict | None:
    """Build and store the archive (the job). Idempotent: a ready export is left alone."""

    db = stores.mongo()
    doc = db.exports.find_one({"_id": export_id})
    if doc is not None and doc["status"] == "ready":
        _announce(doc)  # a worker that died between "ready" and the event: announce it now
        return db.exports.find_one({"_id": export_id})
    if doc is None:
        return doc
    uid = doc["uid"]
    account = db.accounts.find_one({"_id": uid})
    if account is None:
        db.exports.update_one({"_id": export_id}, {"$set": {"status": "failed"}})
        return None
    db.exports.update_one({"_id": export_id}, {"$set": {"status": "building"}})
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        ctx = ExportContext(uid, account["username"], current_app.config["PUBLIC_BASE_URL"], zf)
        for area in AREAS:
            if area.export:
                area.export(ctx)
        ctx.files.insert(0, "manifest.json")
        zf.writestr("manifest.json", json.dumps({
            "format": FORMAT, "version": VERSION, "exported_at": _iso(clock.now()), "uid": uid,
            "username": account["username"], "files": ctx.files}, indent=1))
    data = buf.getvalue()
    key = EXPORT_KEY.format(uid=uid, export_id=export_id)
    stores.objects().put_object(current_app.config["S3_BUCKET"], key, io.BytesIO(data), len(data),
                                    content_type="application/zip")
    db.exports.update_one({"_id": export_id}, {"$set": {"status": "ready", "key": key, "size": len(data),
                                                        "ready_at": clock.now()}})
    _announce(db.exports.find_one({"_id": export_id}))
    return db.exports.find_one({"_id": export_id})


def _announce(doc: dict) -> None:
    """Publish ``export.ready`` once the archive is committed, and mark it
    announced (at least once: a crash between the two announces it again)."""
    if doc.get("announced"):
        return
    events.publish("export.ready", user_id=doc["uid"], export_id=doc["_id"])
    stores.mongo().exports.update_one({"_id": doc["_id"]}, {"$set": {"announced": True}})


def export_ready_email(export_id: str):
    """The "your archive is ready" email with its expiring link (``None`` if gone)."""

    doc = stores.mongo().exports.find_one({"_id": export_id})
    account = doc and stores.mongo().accounts.find_one({"_id": doc["uid"]})
    if not doc or not account or doc["status"] != "ready":
        return None
    info = present_export(doc)
    hours = current_app.config["EXPORT_LINK_SECONDS"] // 3600
    body = (f"Hello {account['username']},\n\nthe archive of your socialgraph data is ready. "
            f"Download it (the link works for {hours} hours):\n\n{info['download_url']}\n\n"
            f"A new link: GET /api/v1/me/exports/{export_id}\n")
    return mail.build_message(current_app.config, account["email"], "Your data export is ready", body)


# -- import -------------------------------------------------------------------
#: Entries smaller than this are not held to the compression-ratio limit
#: (a few KB of JSON legitimately compress 50-100x).
RATIO_FLOOR_BYTES = 1024 * 1024
#: Window of the import posting allowance (``SG_IMPORT_MAX_POSTS`` per window).
IMPORT_WINDOW = timedelta(days=1)


def _archive_error(message: str, cls=ValidationFailed):
    return cls(f"archive refused: {message}", errors=[{"field": "archive", "message": message}])


def check_archive(zf: zipfile.ZipFile) -> dict:
    """The zip-bomb guard, from the central directory before anything is
    extracted: entry count (``SG_IMPORT_MAX_ENTRIES``), uncompressed size of
    each entry (``SG_IMPORT_MAX_ENTRY_BYTES``) and of all
    (``SG_IMPORT_MAX_UNCOMPRESSED_BYTES``), and the compression ratio
    (``SG_IMPORT_MAX_RATIO``, for entries and totals above 1 MiB). The
    declared sizes cannot lie: ``zipfile`` stops reading an entry at its
    declared size and fails its CRC check if there was more. Following OWASP's
    File Upload Cheat Sheet and CWE-409. Returns ``{entries, bytes, media_bytes}``;
    raises :class:`PayloadTooLarge` (413) or :class:`ValidationFailed` (422).
    """
    cfg = current_app.config
    infos = zf.infolist()
    if len(infos) > cfg["IMPORT_MAX_ENTRIES"]:
        raise _archive_error(f"more than {cfg['IMPORT_MAX_ENTRIES']} entries", PayloadTooLarge)
    total = packed = media_bytes = 0
    for info in infos:
        if info.flag_bits & 0x1:
            raise _archive_error("encrypted entries are not supported")
        if info.file_size > cfg["IMPORT_MAX_ENTRY_BYTES"]:
            raise _archive_error(f"{info.filename[:100]} is larger than {cfg['IMPORT_MAX_ENTRY_BYTES']} bytes "
                                 "uncompressed", PayloadTooLarge)
        if info.file_size > RATIO_FLOOR_BYTES and info.file_size > cfg["IMPORT_MAX_RATIO"] * max(info.compress_size, 1):
            raise _archive_error(f"{info.filename[:100]} is compressed more than {cfg['IMPORT_MAX_RATIO']}:1 "
                                 "(a zip bomb?)", PayloadTooLarge)
        total += info.file_size
        packed += info.compress_size
        if info.filename.startswith("media/"):
            media_bytes += info.file_size
    if total > cfg["IMPORT_MAX_UNCOMPRESSED_BYTES"]:
        raise _archive_error(f"more than {cfg['IMPORT_MAX_UNCOMPRESSED_BYTES']} bytes uncompressed", PayloadTooLarge)
    if total > RATIO_FLOOR_BYTES and total > cfg["IMPORT_MAX_RATIO"] * max(packed, 1):
        raise _archive_error(f"compressed more than {cfg['IMPORT_MAX_RATIO']}:1 (a zip bomb?)", PayloadTooLarge)
    return {"entries": len(infos), "bytes": total, "media_bytes": media_bytes}


def storage_used(uid: str) -> int:
    """Bytes the account holds in the object store: its media uploads and the
    objects under ``users/<uid>/`` except exports and import archives."""
    db = stores.mongo()
    rows = list(db.media.aggregate([{"$match": {"owner_id": uid}},
                                    {"$group": {"_id": None, "n": {"$sum": "$size"}}}]))
    used = int(rows[0]["n"] or 0) if rows else 0
    prefix = OBJECT_PREFIX.format(uid=uid)
    for obj in stores.objects().list_objects(current_app.config["S3_BUCKET"], prefix=prefix, recursive=True):
        rel = obj.object_name[len(prefix):]
        if not rel.startswith(("exports/", "imports/")):
            used += int(obj.size or 0)
    return used


def _archive_notes(zf: zipfile.ZipFile) -> int:
    try:
        outbox = json.loads(zf.read("outbox.json")) if "outbox.json" in zf.namelist() else {}
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise _archive_error("outbox.json is not JSON")
    items = outbox.get("orderedItems") if isinstance(outbox, dict) else None
    return len(items) if isinstance(items, list) else 0


def imported_posts_recently(uid: str) -> int:
    """Posts imported into ``uid`` within :data:`IMPORT_WINDOW` (counted from the imports' stats)."""
    since = clock.now() - IMPORT_WINDOW
    n = 0
    for doc in stores.mongo().imports.find({"uid": uid, "created_at": {"$gt": since}}, {"stats": 1, "planned": 1}):
        posts = ((doc.get("stats") or {}).get("posts") or {}).get("posts")
        n += int(posts if posts is not None else doc.get("planned") or 0)
    return n


def start_import(uid: str, data: bytes) -> dict:
    """Check and store an uploaded archive, queue its import: ``{id, status, stats}``.

    Before anything is stored: the zip-bomb guard (:func:`check_archive`),
    the posts it holds against the import posting allowance
    (``SG_IMPORT_MAX_POSTS`` per account per day, imports already done
    included), and its media against the per-account storage quota
    (``SG_STORAGE_QUOTA_BYTES``, :func:`storage_used`). Raises
    :class:`ValidationFailed` when ``data`` is not an export archive or
    holds too many posts, :class:`PayloadTooLarge` (413) for a bomb or an
    archive over the quota.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            check = check_archive(zf)
            manifest = json.loads(zf.read("manifest.json"))
            notes = _archive_notes(zf)
    except (zipfile.BadZipFile, KeyError, ValueError, UnicodeDecodeError, RecursionError):
        raise ValidationFailed("not a socialgraph export archive",
                               errors=[{"field": "archive", "message": "a zip with manifest.json is expected"}])
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ValidationFailed("not a socialgraph export archive",
                               errors=[{"field": "archive", "message": f"manifest format must be {FORMAT!r}"}])
    cfg = current_app.config
    allowance = cfg["IMPORT_MAX_POSTS"] - imported_posts_recently(uid)
    if notes > allowance:
        raise _archive_error(f"holds {notes} posts; {max(allowance, 0)} more may be imported today "
                             f"(at most {cfg['IMPORT_MAX_POSTS']} a day)")
    if check["media_bytes"] and storage_used(uid) + check["media_bytes"] > cfg["STORAGE_QUOTA_BYTES"]:
        raise _archive_error(f"its files would take the account over its storage quota of "
                             f"{cfg['STORAGE_QUOTA_BYTES']} bytes", PayloadTooLarge)
    import_id = uuid.uuid4().hex
    key = IMPORT_KEY.format(uid=uid, import_id=import_id)
    stores.objects().put_object(current_app.config["S3_BUCKET"], key, io.BytesIO(data), len(data),
                                    content_type="application/zip")
    db = stores.mongo()
    db.imports.insert_one({"_id": import_id, "uid": uid, "status": "pending", "key": key,
                           "created_at": clock.now(), "stats": {}, "planned": notes})
    stores.tasks().enqueue("jobs.accounts.run_import", import_id)
    return get_import(uid, import_id)


def get_import(uid: str, import_id: str) -> dict:
    doc = stores.mongo().imports.find_one({"_id": str(import_id), "uid": uid})
    if doc is None:
        raise NotFound("import not found")
    return {"id": doc["_id"], "status": doc["status"], "created_at": as_utc(doc["created_at"]),
            "stats": doc.get("stats") or {}}


def run_import(import_id: str) -> dict | None:
    """Apply a stored archive (the job); idempotent."""
    db = stores.mongo()
    doc = db.imports.find_one({"_id": import_id})
    if doc is None or doc["status"] == "done":
        return doc
    resp = stores.objects().get_object(current_app.config["S3_BUCKET"], doc["key"])
    try:
        data = resp.read()
    finally:
        resp.close()
        resp.release_conn()
    stats = {}
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        check_archive(zf)  # again: the stored archive is what is extracted
        ctx = ImportContext(doc["uid"], zf)
        for area in AREAS:
            if area.import_:
                stats[area.name] = area.import_(ctx)
    db.imports.update_one({"_id": import_id}, {"$set": {"status": "done", "stats": stats, "done_at": clock.now()}})
    return db.imports.find_one({"_id": import_id})


# -- built-in areas ---------------------------------------------------------
def _profile_export(ctx: ExportContext) -> None:
    acc = stores.mongo().accounts.find_one({"_id": ctx.uid}) or {}
    rows = stores.graph().read("accounts/export_relations", uid=ctx.uid)
    row = rows[0] if rows else {"user": {}, "following": [], "followers": [], "blocking": [], "muting": [],
                                "relationships": []}
    user = row["user"] or {}
    ctx.add_json("actor.json", {
        "@context": AS_CONTEXT, "type": "Person", "id": ctx.actor_id, "preferredUsername": ctx.username,
        "name": user.get("display_name"), "summary": user.get("bio") or "",
        "published": _iso(user.get("created_at") or acc.get("created_at")),
        "following": f"{ctx.actor_id}/following", "followers": f"{ctx.actor_id}/followers"})
    ctx.add_json("account.json", {
        "uid": ctx.uid, "username": acc.get("username"), "email": acc.get("email"),
        "email_verified": bool(acc.get("email_verified")), "created_at": _iso(acc.get("created_at")),
        "two_factor_enabled": bool((acc.get("totp") or {}).get("enabled"))})
    ctx.add_json("relationships.json", {k: row[k] for k in ("following", "followers", "blocking", "muting",
                                                            "relationships")})


def _profile_import(ctx: ImportContext) -> dict:
    actor = ctx.read_json("actor.json", {}) or {}
    rel = ctx.read_json("relationships.json", {}) or {}
    try:  # an empty-looking name in the archive keeps the current one
        name = text.clean_display_name(str(actor["name"])[:80]) if actor.get("name") else None
    except ValueError:
        name = None
    stores.graph().write("graph/users/update_profile", uid=ctx.uid,
                             display_name=name,
                             bio=str(actor.get("summary") or "")[:500] or None)
    people.forget_short_profile(ctx.uid)
    counts = {"following": 0, "blocking": 0, "muting": 0, "skipped": 0}
    for kind, fn in (("following", follows.follow), ("blocking", blocks.block), ("muting", blocks.mute)):
        for username in rel.get(kind) or []:
            try:
                fn(ctx.uid, str(username))
                counts[kind] += 1
            except DomainError:
                counts["skipped"] += 1
    return counts


def _profile_erase(uid: str) -> dict:
    """The user node with every relationship, then the read copies of everyone it
    was related to. Those uids are kept in the deletion record first
    (:func:`socialgraph.accounts.deletion.remember`): run again after a crash
    between the node's deletion and the copies' (the node gone, its
    relationships with it), the step still drops them."""
    rows = stores.graph().read("accounts/list_related_uids", uid=uid)
    related = deletion.remember(uid, "graph", rows[0]["uids"] if rows else [])

    name = (short_profiles([uid]).get(uid) or {}).get("username")  # names the cached profile card
    stores.graph().write("graph/users/delete_user", uid=uid)
    readcache.invalidate(SHORT_KEY.format(uid=uid), *([PROFILE_KEY.format(username=name)] if name else []))
    if related:
        forget(*related)
        forget_following(*related)
        people.forget_pending(*related)

        forget_friends(*related)
    return {"related": len(related)}


def _posts_export(ctx: ExportContext) -> None:
    db = stores.mongo()
    items = []
    for p in db.posts.find({"author_id": ctx.uid}).sort([("created_at", 1), ("_id", 1)]):
        note_id = f"{ctx.base_url}/api/v1/posts/{p['_id']}"
        items.append({
            "id": f"{note_id}/activity", "type": "Create", "actor": ctx.actor_id, "published": _iso(p["created_at"]),
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
            "object": {"id": note_id, "type": "Note", "attributedTo": ctx.actor_id, "content": p["text"],
                       "mediaType": "text/plain", "published": _iso(p["created_at"]),
                       "updated": _iso(p.get("edited_at")),
                       "tag": [{"type": "Hashtag", "name": "#" + t} for t in p.get("hashtags", [])],
                       "sg:id": str(p["_id"]), "sg:visibility": p.get("visibility", "public"),
                       "sg:counts": p.get("counts", {}),
                       "sg:history": [{"content": h.get("text"), "at": _iso(h.get("at"))}
                                      for h in p.get("history", [])]}})
    ctx.add_json("outbox.json", {"@context": AS_CONTEXT, "id": f"{ctx.actor_id}/outbox",
                                 "type": "OrderedCollection", "totalItems": len(items), "orderedItems": items})
    comments = []
    for c in db.comments.find({"author_id": ctx.uid}).sort([("created_at", 1), ("_id", 1)]):
        parent = (f"{ctx.base_url}/api/v1/comments/{c['parent_id']}" if c.get("parent_id")
                  else f"{ctx.base_url}/api/v1/posts/{c['post_id']}")
        comments.append({"id": f"{ctx.base_url}/api/v1/comments/{c['_id']}", "type": "Note",
                         "attributedTo": ctx.actor_id, "content": c.get("text") or "", "inReplyTo": parent,
                         "published": _iso(c["created_at"]), "updated": _iso(c.get("edited_at")),
                         "sg:deleted": bool(c.get("deleted"))})
    ctx.add_json("comments.json", {"@context": AS_CONTEXT, "type": "OrderedCollection",
                                   "totalItems": len(comments), "orderedItems": comments})
    likes = []
    for r in db.reactions.find({"user_id": ctx.uid}).sort("created_at", 1):
        kind, _, target_id = r["target"].partition(":")
        likes.append({"type": "Like", "actor": ctx.actor_id, "object": f"{ctx.base_url}/api/v1/{kind}s/{target_id}",
                      "published": _iso(r.get("created_at")), "sg:reaction": r["type"]})
    ctx.add_json("likes.json", {"@context": AS_CONTEXT, "type": "OrderedCollection", "totalItems": len(likes),
                                "orderedItems": likes})


def _posts_import(ctx: ImportContext) -> dict:
    from pymongo import UpdateOne

    outbox = ctx.read_json("outbox.json", {}) or {}
    ops = []
    now = clock.now()
    private = privacy.is_private(ctx.uid)
    for item in (outbox.get("orderedItems") or [])[:min(MAX_IMPORT_POSTS, current_app.config["IMPORT_MAX_POSTS"])]:
        obj = item.get("object") if isinstance(item, dict) else None
        if not isinstance(obj, dict) or obj.get("type") != "Note":
            continue
        text = str(obj.get("content") or "").strip()[:MAX_TEXT]
        visibility = obj.get("sg:visibility") or "public"
        if not text or visibility == "group":  # group posts stay in their group
            continue
        if visibility not in AUDIENCES:  # an audience this account cannot rebuild: keep it private
            visibility = "only_me"
        original = str(obj.get("sg:id") or obj.get("id") or "")
        try:
            created = datetime.fromisoformat(str(obj.get("published")).replace("Z", "+00:00"))
        except ValueError:
            created = now
        if created.tzinfo is None:  # no offset: UTC
            created = created.replace(tzinfo=timezone.utc)
        created = min(created, now)  # a date in the future would pin the post on top of every list
        created = created.replace(microsecond=created.microsecond // 1000 * 1000)
        fields = {
            "author_id": ctx.uid, "text": text, "hashtags": extract_hashtags(text),
            "mentions": extract_mentions(text), "keywords": keywords(text), "keywords_v": KEYWORDS_VERSION,
            "created_at": created,
            "edited_at": None, "visibility": visibility, "counts": {"comments": 0, "reactions": {}},
            "imported_at": now}
        if private:
            fields["author_private"] = True
        ops.append(UpdateOne({"source_key": f"import:{ctx.uid}:{original}"}, {"$setOnInsert": fields}, upsert=True))
    created_n = 0
    for i in range(0, len(ops), 1000):
        created_n += stores.mongo().posts.bulk_write(ops[i:i + 1000], ordered=False).upserted_count
    return {"posts": created_n, "seen": len(ops)}


def _posts_erase(uid: str) -> dict:
    """The user's posts (with their threads and reactions) go; their comments on
    others' posts are deleted as the user deleting each would (an anonymous,
    uncounted placeholder only where replies hang under it:
    :func:`~socialgraph.content.comments.erase_comments_of`); their reactions
    are removed and the counters decremented."""

    db = stores.mongo()
    n_posts = 0
    for p in db.posts.find({"author_id": uid}, {"_id": 1}):
        purge_post(str(p["_id"]))
        db.posts.delete_one({"_id": p["_id"]})
        postcache.forget(p["_id"])
        n_posts += 1
    n_reactions = 0
    while True:
        r = db.reactions.find_one_and_delete({"user_id": uid})
        if r is None:
            break
        kind, _, target_id = r["target"].partition(":")
        from bson import ObjectId

        coll = "posts" if kind == "post" else "comments"
        try:
            db[coll].update_one({"_id": ObjectId(target_id)}, {"$inc": {f"counts.reactions.{r['type']}": -1}})
            if coll == "posts":
                postcache.forget_post(target_id)
            else:  # the comment's count shows in its post's thread copy
                comment = db.comments.find_one({"_id": ObjectId(target_id)}, {"post_id": 1})
                if comment:
                    postcache.forget_thread(comment["post_id"])
        except Exception:  # malformed legacy target: nothing to decrement
            pass
        n_reactions += 1
    readcache.invalidate(REACTIONS_KEY.format(uid=uid))
    return {"posts": n_posts, "reactions": n_reactions, **erase_comments_of(uid)}


def _security_export(ctx: ExportContext) -> None:
    db = stores.mongo()
    ctx.add_json("sessions.json", [{"created_at": s["created_at"], "last_used_at": s.get("last_used_at"),
                                    "ip": s.get("ip"), "user_agent": s.get("user_agent"),
                                    "revoked_at": s.get("revoked_at")}
                                   for s in db.sessions.find({"uid": ctx.uid}).sort("created_at", 1)])
    ctx.add_json("login_attempts.json", [{k: a.get(k) for k in ("at", "ip", "user_agent", "outcome")}
                                         for a in db.login_attempts.find({"uid": ctx.uid}).sort("at", 1)])


def _security_erase(uid: str) -> dict:
    db = stores.mongo()
    return {
        "sessions": db.sessions.delete_many({"uid": uid}).deleted_count,
        "login_attempts": db.login_attempts.delete_many({"uid": uid}).deleted_count,
        "exports": db.exports.delete_many({"uid": uid}).deleted_count,
        "imports": db.imports.delete_many({"uid": uid}).deleted_count,
        "outbox": db.outbox.delete_many({"args": uid, "func": {"$ne": "jobs.accounts.delete_account"}}).deleted_count,
    }


def _objects_export(ctx: ExportContext) -> None:
    client = stores.objects()
    bucket = current_app.config["S3_BUCKET"]
    prefix = OBJECT_PREFIX.format(uid=ctx.uid)
    for obj in client.list_objects(bucket, prefix=prefix, recursive=True):
        rel = obj.object_name[len(prefix):]
        if rel.startswith(("exports/", "imports/")):
            continue
        resp = client.get_object(bucket, obj.object_name)
        try:
            ctx.add_bytes("media/" + rel, resp.read())
        finally:
            resp.close()
            resp.release_conn()


def _objects_import(ctx: ImportContext) -> dict:
    client = stores.objects()
    bucket = current_app.config["S3_BUCKET"]
    n = 0
    for name in ctx.zip.namelist():
        if not name.startswith("media/") or name.endswith("/") or ".." in name.split("/"):
            continue
        data = ctx.zip.read(name)
        client.put_object(bucket, OBJECT_PREFIX.format(uid=ctx.uid) + name[len("media/"):], io.BytesIO(data), len(data))
        n += 1
    return {"files": n}


def _objects_erase(uid: str) -> dict:
    from minio.deleteobjects import DeleteObject

    client = stores.objects()
    bucket = current_app.config["S3_BUCKET"]
    names = [o.object_name for o in client.list_objects(bucket, prefix=OBJECT_PREFIX.format(uid=uid), recursive=True)]
    errors = list(client.remove_objects(bucket, [DeleteObject(n) for n in names]))
    if errors:
        raise RuntimeError(f"could not delete {len(errors)} object(s): {errors[0]}")
    return {"objects": len(names)}


#: Redis keys that belong to one user (patterns with ``{uid}``); other areas append theirs.
REDIS_USER_KEYS = ["sg:following:{uid}", "{{sg:following:{uid}}}:v", "sg:followers:{uid}", "{{sg:followers:{uid}}}:v",
                   "sg:login-fail:acct:{uid}",
                   # home feed (socialgraph.feeds.home), author timeline, notifications
                   "sg:feed:{uid}", "sg:feed:big:{uid}", "sg:feed:rebuilding:{uid}", "sg:timeline:{uid}",
                   "sg:notif:last:{uid}", "sg:notif:mail:{uid}", "{{sg:notif:mail:{uid}}}:scheduled"]
#: read copies of one user (socialgraph.stores.readcache, on SG_CACHE_REDIS_URL), each
#: dropped with its version key (``readcache.version_key``)
READ_COPY_KEYS = ["sg:rel:{uid}", "sg:groups:{uid}", "sg:reactions:{uid}", "sg:short:{uid}", "sg:friends:{uid}",
                  "sg:suggest:{uid}", "sg:pending:{uid}"]


#: Redis key patterns (``SCAN MATCH``) of one user: message rate windows, kept
#: ``Idempotency-Key`` answers of the account.
REDIS_USER_PATTERNS = ["sg:msg:rate:{uid}:*", "sg:idem:user:{uid}:*"]
#: Redis sorted sets that hold the uid as a member: presence (``socialgraph.messaging.realtime``),
#: authors with active stories (``socialgraph.stories.stories``).
REDIS_USER_MEMBERS = ["sg:rt:online", "sg:stories:active"]


def _cache_erase(uid: str) -> dict:
    r = stores.cache()
    keys = [k.format(uid=uid) for k in REDIS_USER_KEYS]
    for pattern in REDIS_USER_PATTERNS:
        keys += list(r.scan_iter(match=pattern.format(uid=uid), count=1000))
    members = sum(r.zrem(z, uid) for z in REDIS_USER_MEMBERS)
    copies = [k.format(uid=uid) for k in READ_COPY_KEYS]
    copies += [readcache.version_key(k) for k in copies]
    return {"keys": r.delete(*keys) + stores.read_cache().delete(*copies), "members": members}


def _lists_export(ctx: ExportContext) -> None:
    rows = stores.graph().read("accounts/export_lists", uid=ctx.uid)
    row = rows[0] if rows else {"lists": [], "close_friends": []}
    ctx.add_json("lists.json", {"lists": row["lists"], "close_friends": row["close_friends"]})


def _lists_erase(uid: str) -> dict:
    """Named lists are nodes of their own: they go before the user node (whose
    DETACH DELETE takes every relationship: friendships, requests, close friends)."""
    rows = stores.graph().write("accounts/delete_user_lists", uid=uid)
    return {"lists": rows[0]["deleted"] if rows else 0}


def _account_erase(uid: str) -> dict:
    return {"accounts": stores.mongo().accounts.delete_one({"_id": uid}).deleted_count}


register_area("profile", order=10, export=_profile_export, import_=_profile_import)
register_area("posts", order=20, export=_posts_export, erase=_posts_erase, import_=_posts_import)
register_area("security", order=95, export=_security_export, erase=_security_erase)
register_area("objects", order=40, export=_objects_export, erase=_objects_erase, import_=_objects_import)
register_area("cache", order=97, erase=_cache_erase)  # after the areas whose erase drops read copies
register_area("lists", order=80, export=_lists_export, erase=_lists_erase)
register_area("graph", order=90, erase=_profile_erase)
register_area("account", order=100, erase=_account_erase)


