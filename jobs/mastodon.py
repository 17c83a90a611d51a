"""Mastodon API jobs: the public and hashtag streams of the streaming API."""
from __future__ import annotations

from socialgraph.content import postcache
from socialgraph.mastodon import streaming
from socialgraph.stores.documents import parse_id

from . import in_app


@in_app
def stream_post_event(event: str, post_id: str, author_id: str) -> int:
    """Subscriber of ``post.created``: a public post goes to the Mastodon
    ``public`` and ``hashtag`` streams (:func:`socialgraph.mastodon.streaming.publish_post`);
    returns the number of channels published to (0 for other audiences or a
    post already gone)."""
    doc = postcache.get_post(parse_id(post_id))
    return streaming.publish_post(doc) if doc else 0
