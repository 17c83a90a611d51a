"""Search keywords of a text: the normalisation that posts store and queries use.

A word is a run of Unicode letters and digits (``\\w+``, split at ``_``)
after NFKC normalisation and case folding; accents are dropped (NFKD, then
every combining mark removed: "Café" -> "cafe"); words of 2..40 characters
are kept and reduced to their stem with the Snowball English stemmer
(snowballstemmer, https://snowballstem.org: "hops" -> "hop", "brewing" ->
"brew", "discussion" -> "discuss"). A hashtag gives two kinds of terms: the
stems of its words (so ``discussion`` finds posts tagged ``#discussion``) and
``#<tag>`` itself (so ``#discussion`` asks for the tag). At most
:data:`MAX_KEYWORDS` distinct terms per post.

:data:`VERSION` names this normalisation; posts store it as
``keywords_v`` so ``socialgraph search reindex`` knows which posts still
carry terms of an older one.
"""
from __future__ import annotations

import re
from functools import lru_cache

from socialgraph.core.text import HASHTAG_RE, extract_hashtags, fold, normalise_tag

WORD_RE = re.compile(r"[^\W_]+", re.UNICODE)

MAX_KEYWORDS = 200
#: the normalisation of the stored terms (bump when :func:`keywords` changes)
VERSION = 2
#: Snowball algorithm used for every text (the data sets and the UI are English)
STEMMER_LANGUAGE = "english"


@lru_cache(maxsize=1)
def _stemmer():
    import snowballstemmer

    return snowballstemmer.stemmer(STEMMER_LANGUAGE)


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """The Snowball stem of one folded word."""
    return _stemmer().stemWord(word)


def _terms(text: str) -> list[str]:
    """Stems of the words of ``text`` (2..40 characters), unique, in order."""
    seen: dict[str, None] = {}
    for w in WORD_RE.findall(fold(text)):
        if 2 <= len(w) <= 40:
            seen.setdefault(stem(w), None)
    return list(seen)


def keywords(text: str, hashtags: list[str] | None = None) -> list[str]:
    """Search terms of a post (see module doc): the stems of its words, of the
    words of its hashtags (those in ``text`` plus ``hashtags``, e.g. a Stack
    Exchange question's tags) and ``#<tag>`` per hashtag; unique, in order."""
    tags = list(dict.fromkeys([*extract_hashtags(text), *(normalise_tag(t) for t in hashtags or [])]))
    seen = dict.fromkeys(_terms(text))
    for tag in tags:
        for term in _terms(tag):
            seen.setdefault(term, None)
    for tag in tags:
        seen.setdefault("#" + fold(tag), None)
    return list(seen)[:MAX_KEYWORDS]


def query_terms(q: str) -> list[str]:
    """The terms of a search query, normalised as :func:`keywords`: ``#tag``
    becomes the ``#tag`` term, every other word its stem."""
    seen: dict[str, None] = {}
    for token in (q or "").split():
        m = HASHTAG_RE.match(token)
        if m:
            seen.setdefault("#" + fold(normalise_tag(m.group(1))), None)
            token = token[m.end():]
        for term in _terms(token):
            seen.setdefault(term, None)
    return list(seen)
