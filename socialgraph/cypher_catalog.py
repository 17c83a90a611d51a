"""The Cypher catalog: every query of the project, one ``.cypher`` file each.

Files live under ``cypher/<area>/<verb_noun>.cypher`` and are addressed as
``"<area>/<verb_noun>"``. They are read once when the app starts; queries
take ``$parameters`` only (nothing is ever formatted into Cypher text).
A leading ``//`` comment block is the query's documentation and is kept.
"""
from __future__ import annotations

import re
from pathlib import Path

DEFAULT_DIR = Path(__file__).resolve().parent.parent / "cypher"
_NAME = re.compile(r"^[a-z][a-z0-9_]*/[a-z][a-z0-9_]*$")


class CypherCatalog:
    """An immutable mapping of query name -> Cypher text."""

    def __init__(self, queries: dict[str, str]):
        self._queries = dict(queries)

    @classmethod
    def load(cls, directory: Path | str = DEFAULT_DIR) -> "CypherCatalog":
        """Read every ``*.cypher`` file below ``directory``.

        Raises ``ValueError`` for a badly named file or an empty query.
        """
        directory = Path(directory)
        queries = {}
        for path in sorted(directory.rglob("*.cypher")):
            name = path.relative_to(directory).with_suffix("").as_posix()
            if not _NAME.match(name):
                raise ValueError(f"Cypher file {path} must be named <area>/<verb_noun>.cypher")
            text = path.read_text(encoding="utf-8").strip()
            body = "\n".join(l for l in text.splitlines() if not l.lstrip().startswith("//")).strip()
            if not body:
                raise ValueError(f"Cypher file {path} holds no query")
            queries[name] = text
        return cls(queries)

    def __getitem__(self, name: str) -> str:
        try:
            return self._queries[name]
        except KeyError:
            raise KeyError(f"no Cypher query named {name!r} in cypher/") from None

    def __contains__(self, name: str) -> bool:
        return name in self._queries

    def names(self) -> list[str]:
        return sorted(self._queries)

    def area(self, area: str) -> list[str]:
        """Names of the queries in one area, sorted (used for schema files)."""
        return [n for n in self.names() if n.startswith(area + "/")]
