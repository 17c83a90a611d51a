"""Search keywords of a text: the normalisation that posts store and queries use."""
from __future__ import annotations

import re
import unicodedata

from socialgraph.core.text import extract_hashtags

WORD_RE = re.compile(r"\w+", re.UNICODE)


MAX_KEYWORDS = 200


def _terms(text: str) -> list[str]:
    norm = unicodedata.normalize("NFKC", text or "").casefold()
    seen: dict[str, None] = {}
    for w in WORD_RE.findall(norm):
        if 2 <= len(w) <= 40:
            seen.setdefault(w, None)
    return list(seen)


def keywords(text: str) -> list[str]:
    """Search terms of a post's text (see module doc), unique, in order."""
    seen = dict.fromkeys(_terms(text))
    for tag in extract_hashtags(text):
        seen.setdefault(tag, None)
    return list(seen)[:MAX_KEYWORDS]
