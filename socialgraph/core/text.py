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


#: Characters that render as nothing although their Unicode category says
#: letter or symbol (Hangul fillers, braille blank, Khmer inherent vowels,
#: Mongolian vowel separator), used to fake an empty name.
_BLANK_LOOKING = frozenset("\u115f\u1160\u3164\uffa0\u2800\u17b4\u17b5\u180e")
#: Unicode general categories that draw no glyph of their own: separators
#: (Z*), controls (Cc), format characters such as bidi controls and
#: zero-width joiners (Cf), surrogates, private use and unassigned (Cs, Co,
#: Cn), and combining marks (M*, which need a base character).
_INVISIBLE_CATEGORIES = ("Z", "C", "M")


def has_visible_text(value: str | None) -> bool:
    """True when ``value`` has at least one character that draws a glyph.

    ``"   "``, ``"\\u200b\\u200f"`` (zero-width space, right-to-left mark),
    ``"\\u3164"`` (Hangul filler) or a lone combining accent are not visible.
    """
    return any(not unicodedata.category(ch).startswith(_INVISIBLE_CATEGORIES)
               and ch not in _BLANK_LOOKING for ch in value or "")


def clean_display_name(value: str | None) -> str | None:
    """A display name as stored: NFC-normalised, outer whitespace stripped.

    ``None`` stays ``None`` (not given). Raises ``ValueError`` for a name that
    would show as empty (:func:`has_visible_text`) or holds control characters.
    """
    if value is None:
        return None
    name = unicodedata.normalize("NFC", value).strip()
    if not has_visible_text(name):
        raise ValueError("must contain visible characters")
    if any(unicodedata.category(ch) == "Cc" for ch in name):
        raise ValueError("must not contain control characters")
    return name
def fold(text: str | None) -> str:
    """Text for search: NFKC, case-folded, accents removed ("Café" -> "cafe")."""
    norm = unicodedata.normalize("NFKC", text or "").casefold()
    return "".join(c for c in unicodedata.normalize("NFKD", norm) if not unicodedata.combining(c))
