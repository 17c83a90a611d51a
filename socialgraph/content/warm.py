"""A warm post page and a warm comment thread in one Redis round trip (issue 22).

``GET /posts/<id>`` and ``GET /posts/<id>/comments`` are, on their general
paths, 5-7 Redis round trips, 0-3 MongoDB commands and a marshmallow dump.
When every copy they read is in Redis, :func:`warm_post` and
:func:`warm_thread` answer from **one** Lua script (:data:`_WARM_LUA`) that
also answers the token's deferred revocation check
(:func:`socialgraph.accounts.sessions.defer_check`), with JSON assembled from
pre-serialised parts:

- the post: its copy's viewer-independent body (:func:`postcache.body`) plus
  ``author`` (the short-profile copy, :func:`author_json`), ``media: []``,
  ``shared_post: null``, ``share_unavailable: false`` and the viewer's
  reaction, as for the warm home page;
- the thread: the **thread copy** (``sg:cthread:<post id>``,
  :data:`postcache.THREAD_KEY`), the first page of the thread as the general
  path computed it for a viewer who blocks nobody (comments with their
  nested replies, authors as uids, no viewer reactions), written by
  :func:`socialgraph.content.comments.list_comments` and dropped by every
  write to a comment of the post (new comment, reply, edit, deletion,
  reaction, erasure) or the post's deletion (:func:`postcache.forget`), not
  by a write to the post alone (reaction, edit, share: it holds nothing of
  the post; :func:`postcache.forget_post`). The writer of a comment makes it
  again at once (:func:`postcache.written`), as the writer of a post makes the
  post copy again, so the next reader is served warm. Per request the script
  adds the short profile of each author and the viewer's reactions to the
  comments.

Anything else (a post with media, a share, a group post, friends or close
friends audiences, a viewer whose blocks touch the thread's authors, a copy
missing, another page, Redis split or clustered) returns None and the
general path answers, with the revocation check already settled.
"""
from __future__ import annotations

from collections import Counter
from functools import lru_cache

import orjson
from flask import current_app
from redis.exceptions import RedisError

from socialgraph import stores
from socialgraph.accounts import sessions
from socialgraph.content import postcache
from socialgraph.content.avatars import avatar_urls
from socialgraph.content.reactions import REACTIONS_KEY
from socialgraph.content.visibility import effective_audience, visible_with
from socialgraph.graph.people import FOLLOWING_KEY, SHORT_KEY
from socialgraph.graph.relations import CACHE_KEY as RELATIONS_KEY
from socialgraph.stores import readcache, rediskeys

#: why :func:`warm_post` / :func:`warm_thread` left a request to the general path (this process; benches print it)
WARM_MISSES: Counter = Counter()

#: KEYS: 1 session verdict, 2 not-before cut-off, 3 the viewer's block/mute copy,
#: 4 the post copy, 5 the viewer's following set, 6 the viewer's reactions
#: copy, 7 the thread copy. ARGV: 1-2 the short-profile key template
#: (prefix, suffix), 3 the post's reaction target ('' for none), 4 the
#: comment reaction target prefix, 5 '1' to read the thread copy.
_WARM_LUA = """
local out = {}
out[1] = redis.call('GET', KEYS[1])
out[2] = redis.call('GET', KEYS[2])
out[3] = redis.call('GET', KEYS[3])
local post = redis.call('GET', KEYS[4])
out[4] = post
out[5] = redis.call('EXISTS', KEYS[5])
out[6] = redis.call('EXISTS', KEYS[6])
out[7] = 0
out[8] = false
if post then
  local a = string.match(post, '^{"_id":"[^"]*","author_id":"([^"]*)"')
  if a then
    out[7] = redis.call('SISMEMBER', KEYS[5], a)
    out[8] = redis.call('GET', ARGV[1] .. a .. ARGV[2])
  end
end
out[9] = false
if ARGV[3] ~= '' then out[9] = redis.call('HGET', KEYS[6], ARGV[3]) end
out[10] = false
out[11] = {}
out[12] = {}
if ARGV[5] == '1' then
  local t = redis.call('GET', KEYS[7])
  if t then
    out[10] = t
    local _, _, shorts, ids = string.match(t, '^([^\\n]*)\\n([^\\n]*)\\n([^\\n]*)\\n([^\\n]*)\\n')
    if shorts then
      local s = {}
      for u in string.gmatch(shorts, '%S+') do s[#s + 1] = redis.call('GET', ARGV[1] .. u .. ARGV[2]) or false end
      out[11] = s
      local targets = {}
      for c in string.gmatch(ids, '%S+') do targets[#targets + 1] = ARGV[4] .. c end
      if #targets > 0 then out[12] = redis.call('HMGET', KEYS[6], unpack(targets)) end
    end
  end
end
return out
"""


def _miss(reason: str) -> None:
    WARM_MISSES[reason] += 1
    return None


def key_template(key: str, name: str) -> tuple[str, str]:
    """(prefix, suffix) around ``{name}`` in a key template (hash tags survive)."""
    pre, _, post = key.format(**{name: "\0"}).partition("\0")
    return pre, post


@lru_cache(maxsize=4096)
def author_json(uid: str, username, display_name, avatar_id, base_url: str) -> bytes:
    """The ``author`` object (``UserShort``: uid, username, display_name,
    avatar_url, avatar_urls) as JSON with sorted keys; memoised per (profile
    fields, base URL): a pure function of them."""
    urls = avatar_urls(uid, avatar_id)
    return orjson.dumps({"uid": uid, "username": username, "display_name": display_name,
                         "avatar_url": urls and urls["96"], "avatar_urls": urls}, option=orjson.OPT_SORT_KEYS)


def _short_json(raw: bytes | None, base: str) -> bytes | None:
    if raw is None:
        return None
    short = orjson.loads(raw)
    return author_json(short["uid"], short.get("username"), short.get("display_name"), short.get("avatar_id"), base)


def _run(viewer: str | None, post_id: str, token: dict | None, thread: bool):
    """The script's reply and the post copy's ``(doc, body)``, or None (a miss;
    the revocation check settled either way)."""
    r = stores.cache()
    if stores.read_cache() is not r or rediskeys.is_cluster(r):
        if token is not None:
            sessions.settle_pending()
        return _miss("split-redis" if stores.read_cache() is not r else "cluster")
    if token is None:  # an anonymous read works without Redis: the general path answers
        try:
            return _script_reply(r, viewer, post_id, token, thread)
        except RedisError:
            return _miss("redis-unavailable")
    return _script_reply(r, viewer, post_id, token, thread)


def _script_reply(r, viewer: str | None, post_id: str, token: dict | None, thread: bool):
    """:func:`_run` once the copies and feeds are known to share one Redis server."""
    readcache.replay_if_dirty()
    uid = viewer or "-"
    sid = (token or {}).get("sid") or "-"
    keys = [sessions.SESSION_KEY.format(uid=uid, sid=sid), sessions.NOT_BEFORE_KEY.format(uid=uid),
            RELATIONS_KEY.format(uid=uid), postcache.KEY.format(id=post_id), FOLLOWING_KEY.format(uid=uid),
            REACTIONS_KEY.format(uid=uid), postcache.THREAD_KEY.format(id=post_id)]
    script = getattr(r, "_sg_warm_post", None)
    if script is None:  # one Script per client: its SHA1 computed once
        script = r._sg_warm_post = r.register_script(_WARM_LUA)
    short_pre, short_post = key_template(SHORT_KEY, "uid")
    res = script(keys=keys, args=[short_pre, short_post, f"post:{post_id}" if viewer and not thread else "",
                                  "comment:", "1" if thread else "0"])
    if token is not None:
        answer = sessions.verdict(token, res[0], res[1])
        sessions.settle(sessions.is_token_revoked(token) if answer is None else answer)
    if res[3] is None:
        return _miss("post-copy-missing")
    doc, body = postcache.split(res[3])
    if body is None:
        return _miss("no-body")
    author = doc.get("author_id")
    blocked: set[str] = set()
    if viewer:
        # the block copy: for another's post, or for a thread (its comments' authors)
        if res[2] is None and (thread or author != viewer):
            return _miss("viewer-copy-missing")
        if res[2] is not None:
            rel = orjson.loads(res[2])
            blocked = set(rel["blocking"]) | set(rel["blocked_by"])
    if doc.get("group_id") or doc.get("visibility") in ("friends", "close_friends"):
        return _miss("group-or-friends")  # the group's rule or the graph decides
    if viewer:
        if author != viewer and effective_audience(doc) == "followers" and not res[4]:
            return _miss("following-copy-missing")  # the following set decides (copied by the home feed)
        audience = {"following": {author} if res[6] else set(), "friends": set(), "close_friend_of": set()}
        if not visible_with(viewer, doc, audience=audience, blocked=blocked):
            return _miss("not-visible")  # the general path answers 404
    elif effective_audience(doc) != "public":
        return _miss("not-visible")
    return res, doc, body, blocked


def warm_post(viewer: str | None, post_id: str, token: dict | None = None) -> bytes | None:
    """``GET /posts/<id>`` as the JSON bytes of ``FullPostOut`` from one Redis
    round trip, or None when the general path
    (:func:`socialgraph.content.posts.get_post`) must answer. ``token``: the
    access token's payload whose revocation check the caller deferred; settled
    here first (``RevokedTokenError`` for a revoked token)."""
    got = _run(viewer, post_id, token, thread=False)
    if got is None:
        return None
    res, doc, body, _blocked = got
    if doc.get("media_ids") or doc.get("share_of"):
        return _miss("media-or-share")  # presigned URLs, the shared post's own rule
    if viewer and not res[5]:
        return _miss("viewer-copy-missing")  # the viewer's reactions are not copied
    author = _short_json(res[7], current_app.config["PUBLIC_BASE_URL"])
    if author is None:
        return _miss("short-profile-missing")
    mine = res[8]
    return (body[:-1] + b',"author":' + author + b',"media":[],"share_unavailable":false,'
            b'"shared_post":null,"viewer_reaction":' + (orjson.dumps(mine.decode()) if mine else b"null") + b"}\n")


# -- the thread copy ------------------------------------------------------------------
def thread_copy(limit: int, page: dict, fetched_authors, short_authors: list[str], comment_ids: list[str]) -> bytes:
    """The thread copy written by the general path: ``<limit>\\n<uids of every
    comment read, also those beyond the page>\\n<uids whose short profile the
    page shows>\\n<ids of live comments>\\n<page JSON>``; the page JSON is
    ``CommentPage`` with each ``author`` as a uid (or null) and every
    ``viewer_reaction`` null."""
    return (f"{limit}\n{' '.join(sorted(set(a for a in fetched_authors if a)))}\n{' '.join(short_authors)}\n"
            f"{' '.join(comment_ids)}\n").encode() + orjson.dumps(page)


def warm_thread(viewer: str | None, post_id: str, limit: int, token: dict | None = None) -> bytes | None:
    """The first page of ``GET /posts/<id>/comments`` (no cursor, no
    ``parent_id``) as the JSON bytes of ``CommentPage`` from one Redis round
    trip, or None when :func:`socialgraph.content.comments.list_comments` must
    answer: the thread copy is missing or for another ``limit``, a short
    profile is not copied, or the viewer blocks (or is blocked by) an author of
    a comment the copy read (the general path then leaves them out)."""
    got = _run(viewer, post_id, token, thread=True)
    if got is None:
        return None
    res, _doc, _body, blocked = got
    raw = res[9]
    if raw is None:
        return _miss("thread-copy-missing")
    head_limit, fetched, shorts_line, ids_line, page_json = raw.split(b"\n", 4)
    if int(head_limit) != limit:
        return _miss("thread-other-limit")
    if blocked and blocked & set(fetched.decode().split()):
        return _miss("thread-blocked-author")
    base = current_app.config["PUBLIC_BASE_URL"]
    authors = {}
    for u, s in zip(shorts_line.decode().split(), res[10]):
        j = _short_json(s, base)
        if j is None:
            return _miss("short-profile-missing")
        authors[u] = orjson.Fragment(j)
    comment_ids = ids_line.decode().split()
    if viewer and comment_ids and not res[5]:
        return _miss("viewer-copy-missing")  # the viewer's reactions are not copied
    mine = dict(zip(comment_ids, res[11])) if viewer else {}
    page = orjson.loads(page_json)
    todo = list(page["items"])
    while todo:
        it = todo.pop()
        a = it["author"]
        if a is not None:
            if a not in authors:
                return _miss("short-profile-missing")
            it["author"] = authors[a]
        m = mine.get(it["id"])
        it["viewer_reaction"] = m.decode() if m else None
        todo.extend(it["replies"])
    return orjson.dumps(page, option=orjson.OPT_SORT_KEYS) + b"\n"  # sorted as the JSON provider sorts
