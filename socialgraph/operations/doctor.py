"""``socialgraph doctor``: consistency checks across the four stores.

A check is a function that yields :class:`Finding` objects; each finding is
one line of the report and may carry a ``repair`` callable that fixes it
(run only with ``--repair``). Checks live next to what they check, in this
package (``operations/<topic>.py``), and register themselves with
:func:`register_check` when imported; :mod:`socialgraph.domains` imports
this package so the CLI has them all.

Exit status of the command: 0 when no check found anything, 1 otherwise
(after ``--repair``: 1 when a finding had no repair or its repair failed).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Callable, Iterable

log = logging.getLogger(__name__)


@dataclass
class Finding:
    """One inconsistency: which check found it, what it is, how to fix it."""

    check: str
    message: str
    repair: Callable[[], object] | None = None

    def line(self) -> str:
        return f"{self.check}: {self.message}"


#: name -> check. A check takes ``progress(done, total)`` and yields findings.
CHECKS: dict[str, Callable[[Callable[[int, int | None], None]], Iterable[Finding]]] = {}


def register_check(name: str, check: Callable[[Callable[[int, int | None], None]], Iterable[Finding]]) -> None:
    """Add (or replace) the check ``name``."""
    CHECKS[name] = check


def _no_progress(done: int, total: int | None = None) -> None:
    return None


def run(*, repair: bool = False, only: Iterable[str] | None = None,
        progress: Callable[[str, int, int | None], None] | None = None) -> tuple[list[Finding], list[Finding]]:
    """Run the checks (all, or those named in ``only``) in name order.

    Returns ``(findings, unrepaired)``: everything found, and of that what is
    still wrong (all of it without ``repair``; the findings whose repair was
    missing or raised with it). Raises ``KeyError`` for an unknown check name.
    """
    names = sorted(CHECKS) if only is None else [n for n in only]
    for n in names:
        if n not in CHECKS:
            raise KeyError(f"no check named {n!r} (known: {', '.join(sorted(CHECKS))})")
    found: list[Finding] = []
    left: list[Finding] = []
    for name in names:
        report = (lambda done, total=None, _n=name: progress(_n, done, total)) if progress else _no_progress
        for finding in CHECKS[name](report):
            found.append(finding)
            if not repair:
                left.append(finding)
                continue
            if finding.repair is None:
                left.append(finding)
                continue
            try:
                finding.repair()
            except Exception:  # noqa: BLE001 - reported as still wrong, the run goes on
                log.exception("repair failed: %s", finding.line())
                left.append(finding)
    return found, left
