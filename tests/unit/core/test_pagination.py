from datetime import datetime, timezone

import pytest

from socialgraph.core.errors import MalformedRequest
from socialgraph.core.pagination import (
    as_utc,
    clamp_limit,
    datetime_to_ms,
    decode_cursor,
    encode_cursor,
    ms_to_datetime,
)


def test_cursor_round_trip_is_opaque():
    c = encode_cursor({"at": 1700000000123, "id": "abc"})
    assert "{" not in c and "=" not in c
    assert decode_cursor(c, "at", "id") == {"at": 1700000000123, "id": "abc"}
    assert decode_cursor(None) is None and decode_cursor("") is None


@pytest.mark.parametrize("bad", ["%%%", "bm90IGpzb24", encode_cursor({"x": 1}), encode_cursor([1, 2])])
def test_bad_cursors_are_malformed(bad):
    with pytest.raises(MalformedRequest):
        decode_cursor(bad, "at", "id")


def test_ms_conversions():
    dt = datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=timezone.utc)
    assert ms_to_datetime(datetime_to_ms(dt)) == dt
    assert as_utc(datetime(2026, 1, 1)).tzinfo is timezone.utc
    assert as_utc(0) == datetime(1970, 1, 1, tzinfo=timezone.utc)
    with pytest.raises(MalformedRequest):
        ms_to_datetime("1700000000000")


def test_clamp_limit():
    assert clamp_limit(None) == 20 and clamp_limit(0) == 20 and clamp_limit(1000) == 100 and clamp_limit(-5) == 1


@pytest.mark.parametrize("raw,fields", [
    ('{"at": 1e20, "id": "x"}', ("at", "id")),
    ('{"at": 100000000000000000000, "id": "x"}', ("at", "id")),
    ('{"at": true, "id": "x"}', ("at", "id")),
    ('{"m": "x", "uid": "a"}', ("m", "uid")),
    ('{"rank": true, "id": "x"}', ("rank", "id")),
    ('{"rank": NaN, "id": "x"}', ("rank", "id")),
    ('{"rank": Infinity, "id": "x"}', ("rank", "id")),
    ('{"seq": 1e20}', ("seq",)),
    ('{"seq": 100000000000000000000}', ("seq",)),
    ('{"at": 1, "id": {"$gt": ""}}', ("at", "id")),
])
def test_forged_cursor_fields_are_malformed(raw, fields):
    import base64

    cursor = base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")
    with pytest.raises(MalformedRequest):
        decode_cursor(cursor, *fields)


def test_real_cursors_still_decode():
    assert decode_cursor(encode_cursor({"rank": -3.25, "id": "a"}), "rank", "id")["rank"] == -3.25
    assert decode_cursor(encode_cursor({"seq": 2 ** 63 - 1}), "seq") == {"seq": 2 ** 63 - 1}
    assert decode_cursor(encode_cursor({"m": 0, "uid": "u"}), "m", "uid") == {"m": 0, "uid": "u"}
    with pytest.raises(MalformedRequest):
        ms_to_datetime(10 ** 20)
