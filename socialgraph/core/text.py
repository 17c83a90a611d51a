"""Parsing of post text: hashtags and @mentions.

Hashtags follow Twitter's and Mastodon's rule of thumb: ``#`` then a letter
or underscore then word characters (Unicode letters allowed), not preceded
by a word character; stored lower-case (NFKC-normalised) and deduplicated
in order of appearance. Mentions are ``@`` + a username (3 to 30 of
``[a-z0-9_]``), not preceded by a word character or ``@``.
"""
from __future__ import annotations

import re
import unicodedata

HASHTAG_RE = re.compile(r"(?<![\w#])#([^\W\d][\w]{0,99})", re.UNICODE)
MENTION_RE = re.compile(r"(?<![\w@])@([A-Za-z0-9_]{3,30})(?![\w@])")
USERNAME_RE = re.compile(r"^[a-z0-9_]{3,30}$")


def normalise_tag(tag: str) -> str:
    """``"#Café"`` or ``"Café"`` -> ``"café"`` (NFKC, case-folded, no ``#``)."""
    return unicodedata.normalize("NFKC", tag.lstrip("#")).casefold()


def extract_hashtags(text: str) -> list[str]:
    """Hashtags in ``text``, normalised, unique, in order of first appearance."""
    seen: dict[str, None] = {}
    for match in HASHTAG_RE.finditer(text or ""):
        seen.setdefault(normalise_tag(match.group(1)), None)
    return list(seen)


def extract_mentions(text: str) -> list[str]:
    """Mentioned usernames in ``text``, lower-case, unique, in order."""
    seen: dict[str, None] = {}
    for match in MENTION_RE.finditer(text or ""):
        seen.setdefault(match.group(1).lower(), None)
    return list(seen)


def normalise_username(username: str) -> str:
    return (username or "").strip().lower()


def is_valid_username(username: str) -> bool:
    return bool(USERNAME_RE.match(username or ""))


def fold(text: str | None) -> str:
    """Text for search: NFKC, case-folded, accents removed ("Café" -> "cafe")."""
    norm = unicodedata.normalize("NFKC", text or "").casefold()
    return "".join(c for c in unicodedata.normalize("NFKD", norm) if not unicodedata.combining(c))
