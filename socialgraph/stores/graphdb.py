"""The Cypher catalog: every query of the project, one ``.cypher`` file each.

Files live under ``cypher/<area>/<verb_noun>.cypher`` and are addressed as
``"<area>/<verb_noun>"``. They are read once when the app starts; queries
take ``$parameters`` only (nothing is ever formatted into Cypher text).
A leading ``//`` comment block is the query's documentation and is kept.
"""
from __future__ import annotations

import re
import threading
from pathlib import Path
from typing import Any, Callable

DEFAULT_DIR = Path(__file__).resolve().parents[2] / "cypher"
_NAME = re.compile(r"^[a-z][a-z0-9_]*(/[a-z][a-z0-9_]*){1,2}$")


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
                raise ValueError(f"Cypher file {path} must be named <package>/[<area>/]<verb_noun>.cypher")
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


class GraphStore:
    """Runs catalog queries over Bolt.

    Reads run in READ access mode, so with a ``neo4j://`` URI (a cluster) the
    driver routes them to followers / read replicas from its routing table and
    writes to the leader; a per-request bookmark manager lets a read see the
    caller's own earlier writes.

    ``read``/``write`` run one named query in a managed transaction (retried
    by the driver on transient errors) and return the records as dicts.
    ``transaction`` runs a function with several queries in one explicit
    write transaction that commits or rolls back as a whole.

    After the graph server restarts, the driver's pooled connections can
    answer ``AuthError`` (the server forgot their authentication) or
    ``ServiceUnavailable`` for good. With a ``connect`` factory the store
    then drops the driver, opens a new one and tries once more
    (:meth:`_reconnecting`); if that fails too the error goes up and the
    app answers 503 ``store-unavailable``.
    """

    def __init__(self, driver, database: str, catalog: CypherCatalog, retry_seconds: float = 6.0,
                 bookmarks: Callable[[], Any] | None = None, connect: Callable[[], Any] | None = None):
        self.driver = driver
        self.database = database
        self.catalog = catalog
        self.retry_seconds = retry_seconds
        #: returns the bookmark manager of the current unit of work (a request, a job) or None;
        #: with a Neo4j cluster (``neo4j://``) a read then waits until its server has applied
        #: the writes made before it in the same unit of work (causal consistency)
        self._bookmarks = bookmarks or (lambda: None)
        self._connect = connect
        self._lock = threading.Lock()

    def _session(self, **kwargs):
        return self.driver.session(database=self.database, bookmark_manager=self._bookmarks(), **kwargs)

    def _reconnecting(self, call: Callable[[], Any]) -> Any:
        """``call()``; on AuthError/ServiceUnavailable, a fresh driver and one more try."""
        from neo4j.exceptions import AuthError, ServiceUnavailable

        driver = self.driver
        try:
            return call()
        except (AuthError, ServiceUnavailable):
            if self._connect is None:
                raise
            with self._lock:
                if self.driver is driver:  # another thread may have reconnected already
                    self.driver = self._connect()
                    try:
                        driver.close()
                    except Exception:  # the old pool is broken anyway
                        pass
            return call()

    def _run(self, tx, name: str, params: dict) -> list[dict]:
        result = tx.run(self.catalog[name], params)
        return [record.data() for record in result]

    def read(self, name: str, **params: Any) -> list[dict]:
        """Run the read query ``name`` with ``params``; records as dicts.

        One auto-commit transaction (RUN and PULL pipelined: one round trip,
        where a managed transaction costs BEGIN, RUN/PULL and COMMIT; every
        catalog read is a single statement, so nothing is lost). Transient
        errors and lost connections are retried with backoff for up to the
        driver's ``max_transaction_retry_time``, as a managed transaction would.
        """
        import time

        from neo4j.exceptions import ServiceUnavailable, SessionExpired, TransientError

        query = self.catalog[name]

        def attempt():
            deadline = time.monotonic() + self.retry_seconds
            delay = 0.05
            while True:
                try:
                    with self._session(default_access_mode="READ") as session:
                        return [record.data() for record in session.run(query, params)]
                except (TransientError, SessionExpired, ServiceUnavailable):
                    if time.monotonic() + delay > deadline:
                        raise
                    time.sleep(delay)
                    delay = min(delay * 2, 1.0)

        return self._reconnecting(attempt)

    def write(self, name: str, **params: Any) -> list[dict]:
        """Run the write query ``name`` with ``params``; records as dicts."""
        def attempt():
            with self._session() as session:
                return session.execute_write(self._run, name, params)

        return self._reconnecting(attempt)

    def transaction(self, work: Callable[["GraphTx"], Any]) -> Any:
        """Run ``work(tx)`` in one write transaction; ``tx.run(name, **params)``.

        Retried on a fresh driver after an ``AuthError`` like :meth:`write`: a
        failed attempt was rolled back, so ``work`` may run again."""
        def attempt():
            with self._session() as session:
                return session.execute_write(lambda tx: work(GraphTx(self, tx)))

        return self._reconnecting(attempt)

    def run_text(self, text: str, **params: Any) -> list[dict]:
        """Run literal Cypher (only for saved catalog text such as schema files)."""
        with self._session() as session:
            return session.execute_write(lambda tx: [r.data() for r in tx.run(text, params)])


class GraphTx:
    """A write transaction handle that runs catalog queries by name."""

    def __init__(self, store: GraphStore, tx):
        self._store = store
        self._tx = tx

    def run(self, name: str, **params: Any) -> list[dict]:
        return self._store._run(self._tx, name, params)
