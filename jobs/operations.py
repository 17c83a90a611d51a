"""Operations jobs: the sweeper of stuck background work (scheduled)."""
from __future__ import annotations

from socialgraph.operations import sweeper

from . import in_app


@in_app
def sweep(reschedule: bool = False) -> dict:
    """Re-queue or fail stuck media, exports, imports and deletions, and the
    jobs of dead workers (:func:`socialgraph.operations.sweeper.sweep`); with
    ``reschedule`` queue the next pass ``SWEEP_EVERY_SECONDS`` later."""
    result = sweeper.sweep()
    if reschedule:
        sweeper.schedule_sweep()
    return result
