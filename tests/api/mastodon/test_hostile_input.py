"""Hostile input to every Mastodon endpoint: whatever the path arguments,
parameters and body, the answer is below 500 and in Mastodon's error shape
(``{"error": ...}``) when it is an error. The endpoints come from the app's
own URL map, so every view added later is covered too."""
from __future__ import annotations

import re

from tests.api.mastodon.conftest import token_through_test_client

JUNK_ARGS = ["'\"<x>", "0" * 300, "..%2f..", "\u202e", "-1"]
JUNK_BODIES = [
    {"data": {"id[]": ["'", "x" * 500], "limit": "-5", "max_id": "c.!!", "title": "", "acct": "@",
              "account_ids[]": ["nope"], "timeline[]": ["nope"], "category": "weird", "locked": "maybe",
              "home[last_read_id]": "x" * 500, "display_name": "\u200b", "q": ""}},
    {"json": {"title": ["not", "a", "string"], "display_name": {"x": 1}, "note": 5, "limit": "many",
              "subscription": {"endpoint": "javascript:alert(1)", "keys": {"p256dh": 1, "auth": None}},
              "data": {"alerts": {"follow": "yes"}}, "account_id": ["x"]}},
    {"data": "{not json", "content_type": "application/json"},
]


def _path(rule) -> list[str]:
    paths = []
    for junk in JUNK_ARGS:
        path = re.sub(r"<(?:[a-z]+:)?[a-z_]+>", junk.replace("/", "%2F"), rule.rule)
        paths.append("/mastodon" + path.removeprefix("/_mastodon"))
    return paths


def test_no_mastodon_endpoint_answers_500_to_hostile_input(app, client, make_user):
    user = make_user("hz")
    token = token_through_test_client(client, user)
    headers = {"Authorization": f"Bearer {token}"}
    rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("mastodon_")
             and "streaming" not in r.rule and r.endpoint != "mastodon_oauth.stylesheet"]
    assert len(rules) > 40
    seen = 0
    for rule in rules:
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            for path in _path(rule)[: 1 if "<" not in rule.rule else None]:
                for body in JUNK_BODIES if method != "GET" else [{}]:
                    kwargs = dict(body)
                    r = client.open(path, method=method, headers=headers, query_string={"limit": "x", "id[]": "'"},
                                    **kwargs)
                    seen += 1
                    assert r.status_code < 500, (method, path, r.status_code, r.get_data(as_text=True)[:300])
                    if r.status_code >= 400 and r.mimetype == "application/json":
                        assert "error" in r.get_json(), (method, path, r.get_json())
    assert seen > 200
