"""Account jobs: security emails, data export and import, account deletion.

All take ids and are idempotent (RQ retries them; see ``tasks.enqueue``)."""
from __future__ import annotations

import time

from flask import current_app

from socialgraph import stores
from socialgraph.accounts import deletion
from socialgraph.accounts import service as accounts
from socialgraph.portability import service as portability
from socialgraph.stores import mail

from . import in_app


@in_app
def send_new_device_email(uid: str, ip: str, user_agent: str, at: str) -> str | None:
    """Tell account ``uid`` about a sign-in from a device it has not used before."""

    doc = stores.mongo().accounts.find_one({"_id": uid})
    if not doc:
        return None
    body = (f"Hello {doc['username']},\n\nyour socialgraph account was signed in to from a new device:\n\n"
            f"  time: {at}\n  address: {ip or 'unknown'}\n  browser/app: {user_agent or 'unknown'}\n\n"
            f"If this was not you, change your password (POST /api/v1/me/password) and end the other "
            f"sessions (DELETE /api/v1/me/sessions).\n")
    return mail.send(current_app.config, mail.build_message(current_app.config, doc["email"],
                                                            "New sign-in to your account", body))


@in_app
def build_export(export_id: str):
    """Build the data archive ``export_id`` (publishes ``export.ready``)."""
    doc = portability.build_export(export_id)
    return doc and doc.get("status")


@in_app
def export_ready_email(event: str, user_id: str, export_id: str) -> str | None:
    """Subscriber of ``export.ready``: email the download link."""
    msg = portability.export_ready_email(export_id)
    return mail.send(current_app.config, msg) if msg else None


@in_app
def run_import(import_id: str):
    """Apply the uploaded archive ``import_id`` to its account."""
    doc = portability.run_import(import_id)
    return doc and doc.get("status")


@in_app
def delete_account(uid: str):
    """Erase account ``uid`` step by step (resumes after a crash)."""
    return deletion.run_deletion(uid)["status"]


#: how often the sweep of expired unverified sign-ups runs, seconds
EXPIRE_UNVERIFIED_EVERY_SECONDS = 3600


@in_app
def expire_unverified_accounts(reschedule: bool = False) -> int:
    """Queue the deletion of sign-ups never verified within
    ``SG_UNVERIFIED_ACCOUNT_SECONDS`` (:func:`socialgraph.accounts.service.expire_unverified`).
    With ``reschedule`` it queues its next run an hour later, one job per slot
    (started by ``socialgraph worker``). Returns how many were queued."""
    n = len(accounts.expire_unverified())
    if reschedule:
        slot = int(time.time() // EXPIRE_UNVERIFIED_EVERY_SECONDS) + 1
        stores.tasks().enqueue_in(max(1.0, slot * EXPIRE_UNVERIFIED_EVERY_SECONDS - time.time()),
                                  "jobs.accounts.expire_unverified_accounts", reschedule=True,
                                  job_id=f"expire-unverified-{slot}", unique=True)
    return n
