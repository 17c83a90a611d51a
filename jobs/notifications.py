"""Notification jobs: events -> notifications, email digests."""
from __future__ import annotations

import json

from flask import current_app

from socialgraph.messaging import notifications, push
from socialgraph.stores import mail

from . import in_app


@in_app
def on_event(event: str, **payload: str) -> list[str]:
    """Subscriber of every notifying event (see ``socialgraph.core.events.SUBSCRIBERS``)."""
    return notifications.handle_event(event, **payload)


@in_app
def send_email_digest(uid: str) -> str | None:
    """Send ``uid``'s pending email notifications as one message (a digest for bursts)."""
    msg = notifications.email_digest(uid)
    return mail.send(current_app.config, msg) if msg else None


@in_app
def send_push(uid: str, ntype: str, payload: str) -> dict:
    """Web Push ``payload`` (a JSON string from ``notifications.push_payload``) to
    ``uid``'s subscriptions that want ``ntype``; gone ones are removed (see
    ``push.send``). Runs on the default (notifications) queue."""
    return push.send(uid, ntype, json.loads(payload))
