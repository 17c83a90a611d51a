"""Timeline read positions (Mastodon's markers,
https://docs.joinmastodon.org/methods/markers/): where the user stopped
reading ``home`` and ``notifications``, so their apps agree.

MongoDB ``markers``: ``{_id: "<uid>:<timeline>", uid, timeline, last_read_id,
version, updated_at}``. A marker is a client's bookmark, not our
notifications' read state (that stays the native ``mark_read``). Erased
with the account; exported in the data archive.
"""
from __future__ import annotations

from pymongo import ReturnDocument

from socialgraph import stores
from socialgraph.core import clock
from socialgraph.core.areas import register_area
from socialgraph.core.errors import ValidationFailed

TIMELINES = ("home", "notifications")


def get(uid: str, timelines: list[str]) -> dict[str, dict]:
    """``timeline -> {last_read_id, version, updated_at}`` for those of ``timelines`` that are set."""
    wanted = [t for t in timelines if t in TIMELINES] or list(TIMELINES)
    docs = stores.mongo().markers.find({"_id": {"$in": [f"{uid}:{t}" for t in wanted]}})
    return {d["timeline"]: {"last_read_id": d["last_read_id"], "version": d["version"],
                            "updated_at": d["updated_at"]} for d in docs}


def save(uid: str, positions: dict[str, str]) -> dict[str, dict]:
    """Set ``timeline -> last_read_id`` (each id a string of at most 100
    characters); ``version`` counts the changes. Raises :class:`ValidationFailed`."""
    if not positions:
        raise ValidationFailed("give home[last_read_id] and/or notifications[last_read_id]",
                               errors=[{"field": "home", "message": "no marker given"}])
    out = {}
    for timeline, last_read_id in positions.items():
        if timeline not in TIMELINES or not isinstance(last_read_id, str) or not 0 < len(last_read_id) <= 100:
            raise ValidationFailed("invalid marker", errors=[{"field": f"{timeline}[last_read_id]",
                                                              "message": "an id of at most 100 characters"}])
    for timeline, last_read_id in positions.items():
        doc = stores.mongo().markers.find_one_and_update(
            {"_id": f"{uid}:{timeline}"},
            {"$set": {"uid": uid, "timeline": timeline, "last_read_id": last_read_id, "updated_at": clock.now()},
             "$inc": {"version": 1}}, upsert=True, return_document=ReturnDocument.AFTER)
        out[timeline] = {"last_read_id": doc["last_read_id"], "version": doc["version"],
                         "updated_at": doc["updated_at"]}
    return out


def _export(ctx) -> None:
    ctx.add_json("mastodon_markers.json", [{"timeline": d["timeline"], "last_read_id": d["last_read_id"],
                                            "updated_at": d["updated_at"]}
                                           for d in stores.mongo().markers.find({"uid": ctx.uid})])


def _erase(uid: str) -> dict:
    return {"markers": stores.mongo().markers.delete_many({"uid": uid}).deleted_count}


register_area("mastodon_markers", order=58, export=_export, erase=_erase)
