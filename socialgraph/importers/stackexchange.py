"""A Stack Exchange data dump -> posts, threaded comments, hashtags and likes.

Mapping (questions and answers: ``Posts.xml`` or ``Posts.csv``):

- a question (``PostTypeId=1``) -> a post: text = title + blank line + body
  as plain text (HTML removed with ``nh3``, entities unescaped), cut to
  5,000 characters; its ``<tags>`` -> hashtags (``-`` becomes ``_``);
- an answer (``PostTypeId=2``, ``ParentId``) -> a top-level comment on the
  question's post;
- a comment (``Comments.xml``) on a question -> a top-level comment; on an
  answer -> a reply to that answer's comment (so threads are two deep);
- an up-vote (``Votes.xml``, ``VoteTypeId=2``) -> a ``like`` reaction.

Authors are joined to graph users by a documented rule, because the dump's
users and the graph's users are different people: Stack Exchange users are
ranked by activity (posts + comments, then Id), graph users of the
``onto`` import source by degree (follows in + out, then uid), and the
i-th author becomes the i-th graph user (wrapping around if the dump has
more authors). Rows without a user (deleted accounts) go to the graph user
at ``hash(row key) mod N``. Up-votes are anonymous in the dump, so each is
given to the graph user at ``hash(vote key) mod N`` (a collision with an
existing like of the same user is skipped: likes are one per user).

Everything is keyed on ``source_key = "se:<site>:<kind>:<Id>"`` and
inserted with deterministic ids (:func:`import_object_id`), so re-running
adds nothing.
"""
from __future__ import annotations

import csv
import hashlib
import html
import re
import time
import xml.etree.ElementTree as ET
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

import nh3
from pymongo import UpdateOne

from socialgraph import stores
from socialgraph.content.keywords import VERSION as KEYWORDS_VERSION
from socialgraph.content.keywords import keywords
from socialgraph.content.posts import MAX_COMMENT, MAX_TEXT
from socialgraph.core.text import normalise_tag
from socialgraph.importers import batched, import_object_id, no_progress

UPVOTE = "2"


def _rows_xml(path: Path):
    for _, elem in ET.iterparse(path, events=("end",)):
        if elem.tag == "row":
            yield dict(elem.attrib)
            elem.clear()


def _rows(directory: Path, table: str):
    xml, csvf = directory / f"{table}.xml", directory / f"{table}.csv"
    if xml.exists():
        return list(_rows_xml(xml))
    if csvf.exists():
        csv.field_size_limit(10_000_000)
        with open(csvf, encoding="utf-8-sig", newline="") as fh:
            return [{k: v for k, v in row.items() if v not in (None, "")} for row in csv.DictReader(fh)]
    return []


def _date(value: str) -> datetime:
    value = value.rstrip("Z")
    fmt = "%Y-%m-%dT%H:%M:%S.%f" if "." in value else "%Y-%m-%dT%H:%M:%S"
    return datetime.strptime(value, fmt).replace(tzinfo=timezone.utc)


def html_to_text(body: str) -> str:
    """Plain text of a post body: tags removed (nh3), entities unescaped, blank runs folded."""
    text = nh3.clean(body or "", tags=set())
    text = html.unescape(text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _tags(raw: str | None) -> list[str]:
    if not raw:
        return []
    tags = re.findall(r"<([^>]+)>", raw) or [t for t in raw.split("|") if t]
    out: dict[str, None] = {}
    for t in tags:
        out.setdefault(normalise_tag(t).replace("-", "_"), None)
    return list(out)


def _hash_index(key: str, n: int) -> int:
    return int.from_bytes(hashlib.sha1(key.encode()).digest()[:8], "big") % n


def _site_keys(site: str) -> dict:
    """The site's ``source_key`` values, as an index range."""
    return {"$gte": f"se:{site}:", "$lt": f"se:{site};"}


def loaded_source(site: str) -> str | None:
    """The ``onto`` source the site was loaded with (``None``: not loaded).
    Recorded in ``import_runs``; for a site loaded before that, read from the
    source of one of its post authors."""
    db = stores.mongo()
    run = db.import_runs.find_one({"_id": f"stackexchange:{site}"})
    if run:
        return run["onto"]
    sample = db.posts.find_one({"source_key": _site_keys(site)}, {"author_id": 1})
    if sample is None:
        return None
    rows = stores.graph().read("importers/get_user_source", uid=sample["author_id"])
    return (rows[0]["source"] if rows else None) or "unknown"


def import_stackexchange(directory, site: str | None = None, onto: str = "snap-facebook",
                         batch: int = 1000, progress=no_progress) -> dict:
    """Load one dump folder. Returns counts of what the stores hold for this
    site after the run: ``{posts, comments, likes, authors_mapped, seconds}``.

    Raises ``ValueError`` if the ``onto`` source has no users (import the
    graph first), or if the site is already loaded onto another source
    (:func:`loaded_source`): its posts and comments keep their first authors,
    so a second author join would only add likes and break the counters.
    """
    t0 = time.perf_counter()
    directory = Path(directory)
    site = site or directory.name.removeprefix("stackexchange_")
    posts_rows = _rows(directory, "Posts")
    comment_rows = _rows(directory, "Comments")
    vote_rows = [v for v in _rows(directory, "Votes") if v.get("VoteTypeId") == UPVOTE]
    progress("read rows", len(posts_rows) + len(comment_rows) + len(vote_rows))

    loaded_onto = loaded_source(site)
    if loaded_onto is not None and loaded_onto != onto:
        raise ValueError(
            f"the {site!r} site is already loaded, authored by users of {loaded_onto!r}; loading it again "
            f"--onto {onto!r} would mix two author joins and break its counters. Re-run with "
            f"--onto {loaded_onto!r} (adds nothing), load it under another name (--site NAME), "
            f"or import into empty stores")
    graph_users = [r["uid"] for r in stores.graph().read("importers/list_users_by_degree", source=onto)]
    if not graph_users:
        raise ValueError(f"no users with source {onto!r}: import the graph first")
    n = len(graph_users)

    # author join: activity rank -> degree rank
    activity = Counter()
    for r in posts_rows:
        if r.get("OwnerUserId"):
            activity[r["OwnerUserId"]] += 1
    for r in comment_rows:
        if r.get("UserId"):
            activity[r["UserId"]] += 1
    ranked = sorted(activity, key=lambda uid: (-activity[uid], int(uid)))
    author_of = {se_id: graph_users[i % n] for i, se_id in enumerate(ranked)}

    def author(se_user: str | None, key: str) -> str:
        return author_of.get(se_user or "") or graph_users[_hash_index(key, n)]

    questions = {r["Id"]: r for r in posts_rows if r.get("PostTypeId") == "1"}
    answers = {r["Id"]: r for r in posts_rows if r.get("PostTypeId") == "2" and r.get("ParentId") in questions}
    key = lambda kind, i: f"se:{site}:{kind}:{i}"

    post_ids = {qid: import_object_id(key("q", qid), _date(q["CreationDate"])) for qid, q in questions.items()}
    answer_ids = {aid: import_object_id(key("a", aid), _date(a["CreationDate"])) for aid, a in answers.items()}

    # comments (answers, and comments on questions or answers)
    comment_docs = []
    replies = Counter()
    post_comment_count = Counter()
    for aid, a in answers.items():
        text = html_to_text(a.get("Body", ""))[:MAX_COMMENT] or "(empty answer)"
        comment_docs.append({
            "_id": answer_ids[aid], "post_id": post_ids[a["ParentId"]], "parent_id": None, "root_id": None,
            "depth": 0, "author_id": author(a.get("OwnerUserId"), key("a", aid)), "text": text,
            "created_at": _date(a["CreationDate"]), "edited_at": None, "deleted": False,
            "counts": {"reactions": {}}, "source_key": key("a", aid)})
        post_comment_count[a["ParentId"]] += 1
    for c in comment_rows:
        pid = c.get("PostId")
        if pid in questions:
            post_oid, parent, depth, qid = post_ids[pid], None, 0, pid
        elif pid in answers:
            post_oid, parent, depth, qid = post_ids[answers[pid]["ParentId"]], answer_ids[pid], 1, answers[pid]["ParentId"]
            replies[pid] += 1
        else:
            continue
        created = _date(c["CreationDate"])
        comment_docs.append({
            "_id": import_object_id(key("c", c["Id"]), created), "post_id": post_oid, "parent_id": parent,
            "root_id": parent, "depth": depth, "author_id": author(c.get("UserId"), key("c", c["Id"])),
            "text": html.unescape(c.get("Text", ""))[:MAX_COMMENT] or "(empty)", "created_at": created,
            "edited_at": None, "deleted": False, "counts": {"reactions": {}}, "source_key": key("c", c["Id"])})
        post_comment_count[qid] += 1

    # likes from up-votes
    like_docs, likes_on = {}, Counter()
    for v in vote_rows:
        pid = v.get("PostId")
        if pid in questions:
            target = f"post:{post_ids[pid]}"
        elif pid in answers:
            target = f"comment:{answer_ids[pid]}"
        else:
            continue
        user = graph_users[_hash_index(key("v", v["Id"]), n)]
        if (target, user) in like_docs:
            continue
        like_docs[(target, user)] = {"target": target, "user_id": user, "type": "like",
                                     "created_at": _date(v["CreationDate"]), "source_key": key("v", v["Id"])}
        likes_on[target] += 1

    for doc in comment_docs:
        doc["reply_count"] = replies.get(doc["source_key"].split(":")[-1], 0) if ":a:" in doc["source_key"] else 0
        likes = likes_on.get(f"comment:{doc['_id']}")
        if likes:
            doc["counts"] = {"reactions": {"like": likes}}

    post_docs = []
    for qid, q in questions.items():
        title = html.unescape(q.get("Title", "")).strip()
        body = html_to_text(q.get("Body", ""))
        text = (f"{title}\n\n{body}" if title else body)[:MAX_TEXT] or "(empty)"
        likes = likes_on.get(f"post:{post_ids[qid]}", 0)
        post_docs.append({
            "_id": post_ids[qid], "author_id": author(q.get("OwnerUserId"), key("q", qid)), "text": text,
            "hashtags": _tags(q.get("Tags")), "mentions": [],  # @names in the dump are not our users
            "keywords": keywords(text, _tags(q.get("Tags"))), "keywords_v": KEYWORDS_VERSION,
            "created_at": _date(q["CreationDate"]), "edited_at": None, "visibility": "public",
            "counts": {"comments": post_comment_count.get(qid, 0), "reactions": {"like": likes} if likes else {}},
            "source_key": key("q", qid)})

    db = stores.mongo()
    for label, coll, docs, match in (
        ("posts", db.posts, post_docs, lambda d: {"source_key": d["source_key"]}),
        ("comments", db.comments, comment_docs, lambda d: {"source_key": d["source_key"]}),
        ("likes", db.reactions, list(like_docs.values()), lambda d: {"target": d["target"], "user_id": d["user_id"]}),
    ):
        done = 0
        for chunk in batched(docs, batch):
            coll.bulk_write([UpdateOne(match(d), {"$setOnInsert": d}, upsert=True) for d in chunk], ordered=False)
            done += len(chunk)
            progress(label, done, len(docs))

    db.import_runs.update_one({"_id": f"stackexchange:{site}"},
                              {"$setOnInsert": {"onto": onto, "at": datetime.now(timezone.utc)}}, upsert=True)
    prefix = _site_keys(site)
    return {
        "site": site,
        "posts": db.posts.count_documents({"source_key": prefix}),
        "comments": db.comments.count_documents({"source_key": prefix}),
        "likes": db.reactions.count_documents({"source_key": prefix}),
        "authors_mapped": len(author_of),
        "seconds": round(time.perf_counter() - t0, 2),
    }
