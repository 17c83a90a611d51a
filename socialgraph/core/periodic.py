"""The registry of periodic jobs, run by the scheduler service
(:mod:`socialgraph.operations.scheduler`, ``socialgraph scheduler``).

A package that owns a periodic job calls :func:`register_periodic` at import,
naming the RQ job by its dotted path (the scheduler sits below ``jobs/`` and
never imports it) and its period: seconds, or the name of a setting that
holds them. The registry half of the pattern in :mod:`socialgraph.core.areas`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    job: str                      # dotted path of the RQ job, e.g. "jobs.media.cleanup_orphans"
    every: int | str              # seconds, or a config key holding them
    kwargs: dict[str, Any] = field(default_factory=dict)

    def seconds(self, config: dict) -> int:
        """The period in seconds (at least 1) under ``config``."""
        value = config[self.every] if isinstance(self.every, str) else self.every
        return max(1, int(value))


#: name -> job, in registration order
PERIODIC: dict[str, PeriodicJob] = {}


def register_periodic(name: str, job: str, every: int | str, **kwargs: Any) -> PeriodicJob:
    """Run ``job(**kwargs)`` once per period of ``every`` (seconds or a config key).
    Registering a name again replaces it (module reloads in tests)."""
    entry = PERIODIC[name] = PeriodicJob(name, job, every, dict(kwargs))
    return entry
