"""Media jobs: processing of uploads and clean-up of orphans."""
from __future__ import annotations

from socialgraph.content import media

from . import in_app


@in_app
def process_media(media_id: str) -> str:
    """Process upload ``media_id`` (variants, blurhash / poster, transcode);
    returns ``ready`` or ``failed``. Idempotent."""
    return media.process(media_id)


@in_app
def cleanup_orphans() -> dict:
    """Delete uploads never attached to a post (see ``media.cleanup_orphans``).

    Scheduled hourly by cron / a Kubernetes CronJob running
    ``socialgraph media cleanup``, or enqueued from an RQ worker started with
    the scheduler (``Queue.enqueue_in``)."""
    return media.cleanup_orphans()


@in_app
def remove_upload_object(media_id: str, upload_key: str) -> None:
    """Remove what was sent to direct upload ``media_id``'s key after it was
    completed, once its POST policy has expired (see ``media.complete_upload``)."""
    media.remove_upload_object(upload_key)
