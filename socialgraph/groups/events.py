"""Group events (``group_events``) and RSVPs (``event_rsvps``).
"""
from __future__ import annotations

from datetime import timedelta

from pymongo import ReturnDocument

from socialgraph.core import clock
from socialgraph.core.errors import NotFound, ValidationFailed
from socialgraph.groups.directory import RSVP, _db, _member, _readable
from socialgraph.stores.documents import parse_id


# -- events and RSVP -----------------------------------------------------------------
def _event_doc(group_id: str, event_id: str) -> dict:
    doc = _db().group_events.find_one({"_id": parse_id(event_id, "event"), "group_id": group_id})
    if doc is None:
        raise NotFound("event not found")
    return doc


def _present_events(docs: list[dict], viewer: str | None) -> list[dict]:
    mine = {}
    if viewer and docs:
        mine = {r["event_id"]: r["status"] for r in
                _db().event_rsvps.find({"event_id": {"$in": [d["_id"] for d in docs]}, "user_id": viewer})}
    return [{"id": str(d["_id"]), "group_id": d["group_id"], "title": d["title"],
             "description": d.get("description", ""), "place": d.get("place", ""),
             "starts_at": d["starts_at"], "ends_at": d.get("ends_at"), "created_by": d["created_by"],
             "created_at": d["created_at"],
             "rsvp_counts": {s: max(0, (d.get("rsvp_counts") or {}).get(s, 0)) for s in RSVP},
             "viewer_rsvp": mine.get(d["_id"])} for d in docs]


def create_event(group_id: str, actor: str, title: str, starts_at, place: str = "", description: str = "",
                 ends_at=None) -> dict:
    """A member creates an event (time as aware datetimes, UTC; ``ends_at``
    after ``starts_at``). Returns ``{id, group_id, title, description, place,
    starts_at, ends_at, created_by, created_at, rsvp_counts: {going,
    interested, not_going}, viewer_rsvp}``."""
    _member(group_id, actor)
    if ends_at is not None and ends_at <= starts_at:
        raise ValidationFailed("the event ends before it starts",
                               errors=[{"field": "ends_at", "message": "must be after starts_at"}])
    doc = {"group_id": group_id, "title": title.strip(), "description": description or "", "place": place or "",
           "starts_at": starts_at, "ends_at": ends_at, "created_by": actor, "created_at": clock.now(),
           "rsvp_counts": {s: 0 for s in RSVP}}
    if not doc["title"]:
        raise ValidationFailed("title is empty", errors=[{"field": "title", "message": "must not be empty"}])
    doc["_id"] = _db().group_events.insert_one(doc).inserted_id
    return _present_events([doc], actor)[0]


def list_events(group_id: str, viewer: str | None, include_past: bool = False) -> list[dict]:
    """Events of the group by start time; upcoming (not yet ended) only unless
    ``include_past`` (at most 100)."""
    _readable(group_id, viewer)
    flt: dict = {"group_id": group_id}
    if not include_past:
        now = clock.now()
        flt["$or"] = [{"ends_at": {"$gt": now}}, {"ends_at": None, "starts_at": {"$gt": now - timedelta(hours=12)}}]
    docs = list(_db().group_events.find(flt).sort([("starts_at", 1), ("_id", 1)]).limit(100))
    return _present_events(docs, viewer)


def get_event(group_id: str, event_id: str, viewer: str | None) -> dict:
    _readable(group_id, viewer)
    return _present_events([_event_doc(group_id, event_id)], viewer)[0]


def rsvp(group_id: str, event_id: str, actor: str, status: str | None) -> dict:
    """Set (``going``/``interested``/``not_going``) or clear (``None``) the
    member's RSVP; counts kept on the event with ``$inc``. Returns the event."""
    _member(group_id, actor)
    if status is not None and status not in RSVP:
        raise ValidationFailed("unknown RSVP", errors=[{"field": "status", "message": "one of " + ", ".join(RSVP)}])
    doc = _event_doc(group_id, event_id)
    db = _db()
    if status is None:
        old = db.event_rsvps.find_one_and_delete({"event_id": doc["_id"], "user_id": actor})
        inc = {f"rsvp_counts.{old['status']}": -1} if old else {}
    else:
        old = db.event_rsvps.find_one_and_update(
            {"event_id": doc["_id"], "user_id": actor},
            {"$set": {"status": status, "at": clock.now(), "group_id": group_id}}, upsert=True)
        inc = {}
        if old is None or old["status"] != status:
            inc[f"rsvp_counts.{status}"] = 1
            if old is not None:
                inc[f"rsvp_counts.{old['status']}"] = -1
    if inc:
        doc = db.group_events.find_one_and_update({"_id": doc["_id"]}, {"$inc": inc},
                                                  return_document=ReturnDocument.AFTER)
    return _present_events([doc], actor)[0]
