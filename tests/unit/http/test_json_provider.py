"""orjson behind Flask's JSON provider (issue 22): the answers mean what the
standard library's gave, and what orjson refuses is encoded as before."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from decimal import Decimal
from uuid import UUID

from flask import Flask
from flask.json.provider import DefaultJSONProvider

from socialgraph.http.json_provider import OrjsonProvider, init_json


def _apps():
    fast, plain = Flask("fast"), Flask("plain")
    init_json(fast)
    return fast, plain


def test_same_json_value_sorted_keys_and_flask_formats():
    fast, plain = _apps()
    assert isinstance(fast.json, OrjsonProvider) and type(plain.json) is DefaultJSONProvider
    value = {"b": [1, 2.5, None, True], "a": {"z": "é", "y": "x"},
             "at": datetime(2026, 12, 2, 5, 30, tzinfo=timezone.utc), "n": Decimal("1.5"),
             "u": UUID("12345678123456781234567812345678")}
    with fast.app_context():
        ours = fast.json.dumps(value)
        body = fast.json.response(value).get_data()
    with plain.app_context():
        theirs = plain.json.dumps(value)
    assert json.loads(ours) == json.loads(theirs)
    assert ours.startswith('{"a":{"y":"x","z":"é"},"at":"Wed, 02 Dec 2026 05:30:00 GMT","b":[1,2.5,null,true]')
    assert body == ours.encode() + b"\n"


def test_what_orjson_refuses_goes_to_the_standard_library():
    fast, plain = _apps()
    for value in ({"s": "\ud800"}, {1: "int key"}, {"big": 2 ** 70}):
        with fast.app_context():
            ours = fast.json.dumps(value)
        with plain.app_context():
            theirs = plain.json.dumps(value)
        assert json.loads(ours) == json.loads(theirs)
