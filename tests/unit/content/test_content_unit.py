"""Content helpers that need no server: search keywords, type sniffing, the anonymous prefilter."""
from __future__ import annotations

import pytest

from socialgraph.content import media, search, visibility
from socialgraph.content import keywords
from socialgraph.core.errors import UnsupportedMediaType, ValidationFailed
from tests import mediafiles


def test_keywords_are_normalised_unique_and_include_hashtags():
    kw = keywords.keywords("Ｈｅｌｌｏ hello WORLD, #Beer-tasting a 12 día ÉTÉ")
    # folded (width, case, accents), stemmed (Snowball English), the hashtag as "#beer" too
    assert kw == ["hello", "world", "beer", "tast", "12", "dia", "ete", "#beer"]
    assert "a" not in kw  # one-letter words are not indexed
    assert len(keywords.keywords(" ".join(f"w{i}" for i in range(500)))) == keywords.MAX_KEYWORDS


def test_query_terms_need_a_real_word():
    with pytest.raises(ValidationFailed):
        search._query_terms("! ? a")
    assert search._query_terms("#IPA stout " + "x " * 3) == ["#ipa", "stout"]


def test_words_and_tags_are_stemmed_and_folded_the_same_way_in_posts_and_queries():
    kw = keywords.keywords("Which HOPS for a hazy IPA? Brewing notes from the Café", ["india_pale_ale"])
    for q in ("hops", "hop", "Hopped", "brewed", "cafe", "CAFÉ", "#india_pale_ale", "pale", "india pale ale"):
        assert set(keywords.query_terms(q)) <= set(kw), q
    assert keywords.query_terms("#discussion, please!") == ["#discussion", "pleas"]
    # a tag found without "#": its words are terms of the post
    assert "discuss" in keywords.keywords("nothing to see", ["discussion"])
    assert "#discussion" not in keywords.keywords("a discussion about it")  # only tagged posts have the tag term


def test_sniffing_trusts_bytes_only():
    assert media.sniff(mediafiles.png()) == ("image", "image/png")
    assert media.sniff(mediafiles.jpeg_with_gps(40, 30)[:8192]) == ("image", "image/jpeg")
    assert media.sniff(mediafiles.video("webm")[:8192]) == ("video", "video/webm")
    with pytest.raises(ValidationFailed):
        media.sniff(b"")
    with pytest.raises(UnsupportedMediaType):
        media.sniff(b"%PDF-1.7\n" + b"0" * 100)  # a real type, but not an accepted one
    with pytest.raises(UnsupportedMediaType):
        media.sniff(b"<svg xmlns=\"http://www.w3.org/2000/svg\"></svg>")  # SVG is refused


def test_anonymous_prefilter_is_public_non_group_only():
    assert visibility.prefilter(None) == {"visibility": "public", "author_private": {"$ne": True}, "group_id": None}


def test_public_post_of_private_account_is_for_followers():
    post = {"author_id": "a", "visibility": "public", "author_private": True}
    assert visibility.effective_audience(post) == "followers"
    assert not visibility.is_public(post) and not visibility.can_view_post(None, post)
    aud = {"following": {"a"}, "friends": set(), "close_friend_of": set()}
    assert visibility.visible_with("v", post, audience=aud, blocked=set())
    assert not visibility.visible_with("v", post, audience={**aud, "following": set()}, blocked=set())


def test_can_view_post_without_graph_for_trivial_cases():
    post = {"author_id": "a", "visibility": "only_me"}
    assert visibility.can_view_post(None, {"author_id": "a", "visibility": "public"})
    assert not visibility.can_view_post(None, post)
    assert not visibility.can_view_post(None, {"author_id": "a", "visibility": "followers"})
