"""Shaping our content as Mastodon entities (pure functions, no servers)."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from flask import Flask

from socialgraph.mastodon import status_entities as ent


@pytest.fixture()
def ctx():
    app = Flask("t")
    app.config["PUBLIC_BASE_URL"] = "https://sg.example"
    with app.app_context():
        yield app


def test_render_html_escapes_and_links_tags_and_mentions(ctx):
    html = ent.render_html("Hi @Bob_1 <b>&</b> #Café\nline two\n\nsecond para")
    assert html == (
        '<p>Hi <span class="h-card"><a href="https://sg.example/#/u/bob_1" class="u-url mention">@<span>Bob_1'
        '</span></a></span> &lt;b&gt;&amp;&lt;/b&gt; <a href="https://sg.example/#/tags/café" class="mention hashtag" '
        'rel="tag">#<span>Café</span></a><br />line two</p><p>second para</p>')
    assert ent.render_html("") == ""


@pytest.mark.parametrize("post, expected", [
    ({"visibility": "public"}, ("public", "public")),
    ({"visibility": "public", "author_private": True}, ("private", "followers")),
    ({"visibility": "followers"}, ("private", "followers")),
    ({"visibility": "friends"}, ("private", "friends")),
    ({"visibility": "close_friends"}, ("private", "close_friends")),
    ({"visibility": "only_me"}, ("private", "only_me")),
    ({"visibility": "group", "group_id": "g1"}, ("private", "group")),
])
def test_visibility_mapping(post, expected):
    assert ent.visibility_of(post) == expected


def test_audience_of_mastodon_visibility():
    assert ent.AUDIENCE_OF_VISIBILITY == {"public": "public", "unlisted": "public", "private": "followers"}


def test_iso_times_are_mastodon_style():
    assert ent.iso(datetime(2026, 12, 1, 5, 6, 7, 891000, tzinfo=timezone.utc)) == "2026-12-01T05:06:07.891Z"
    assert ent.iso(datetime(2026, 12, 1, 5, 6, 7)) == "2026-12-01T05:06:07.000Z"
    assert ent.iso(None) is None


def test_media_attachment_ready_and_processing(ctx):
    ready = {"id": "m1", "kind": "image", "status": "ready", "width": 640, "height": 480, "duration": None,
             "blurhash": "LEHV6n", "error": None, "description": "a cat",
             "urls": {"full": "https://s3/full", "large": "https://s3/large", "small": "https://s3/small"},
             "poster_url": None}
    assert ent.media_attachment(ready) == {
        "id": "m1", "type": "image", "url": "https://s3/full", "preview_url": "https://s3/small", "remote_url": None,
        "text_url": None, "meta": {"original": {"width": 640, "height": 480, "size": "640x480", "aspect": 1.333333}},
        "description": "a cat", "blurhash": "LEHV6n", "socialgraph": {"status": "ready", "error": None}}
    processing = dict(ready, status="processing", urls={}, width=None, height=None)
    shown = ent.media_attachment(processing)
    assert (shown["url"], shown["preview_url"], shown["meta"]) == (None, None, {})


@pytest.mark.parametrize("ours, reaction, theirs", [
    ("reaction", "like", "favourite"), ("reaction", "love", "pleroma:emoji_reaction"),
    ("comment", None, "mention"), ("reply", None, "mention"), ("mention", None, "mention"),
    ("share", None, "reblog"), ("follow", None, "follow"), ("follow_request", None, "follow_request"),
    ("friend_request", None, None), ("story_view", None, None), ("export_ready", None, None),
])
def test_notification_types(ours, reaction, theirs):
    n = {"type": ours, "object": {"reaction": reaction} if reaction else {}}
    assert ent.mastodon_notification_type(n) == theirs


def test_status_ref_of_notifications():
    assert ent.status_ref({"object": {"target": "comment:c1"}}) == ("comment", "c1")
    assert ent.status_ref({"object": {"target": "post:p1", "reaction": "like"}}) == ("post", "p1")
    assert ent.status_ref({"object": {"post_id": "p1", "comment_id": "c1"}}) == ("comment", "c1")
    assert ent.status_ref({"object": {"post_id": "p1", "share_id": "s1"}}) == ("post", "p1")
    assert ent.status_ref({"object": {}}) is None


def test_emoji_of_reactions_round_trip():
    for ours, emoji in ent.EMOJI.items():
        assert ent.REACTION_OF_EMOJI[emoji] == ours
        assert ent.REACTION_OF_EMOJI[emoji.replace("\ufe0f", "")] == ours
    assert ent._emoji_reactions({"like": 3, "love": 2, "sad": 0}, "love") == [
        {"name": "\u2764\ufe0f", "count": 2, "me": True}]


def test_notification_group_shape():
    n = {"id": "n1", "type": "reaction", "object": {"target": "post:p1", "reaction": "like"}, "actors_count": 3,
         "actors": [{"uid": "a"}, {"uid": "b"}, {"uid": "c"}],
         "updated_at": datetime(2026, 12, 1, tzinfo=timezone.utc)}
    assert ent.notification_group(n, "p1") == {
        "group_key": "n1", "notifications_count": 3, "type": "favourite", "most_recent_notification_id": "n1",
        "page_min_id": "n1", "page_max_id": "n1", "latest_page_notification_at": "2026-12-01T00:00:00.000Z",
        "sample_account_ids": ["a", "b", "c"], "status_id": "p1"}
