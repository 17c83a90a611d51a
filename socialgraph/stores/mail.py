"""Outgoing email: an ``outbox`` directory (local default) or SMTP.

``MAIL_BACKEND=outbox`` writes each message as an RFC 5322 ``.eml`` file in
``MAIL_OUTBOX_DIR`` (one file per message, written atomically), which is how
a developer reads the verification link locally. ``MAIL_BACKEND=smtp``
sends through ``SMTP_HOST:SMTP_PORT`` with optional STARTTLS and login.
"""
from __future__ import annotations

import os
import smtplib
import time
import uuid
from email.message import EmailMessage
from pathlib import Path


def build_message(config: dict, to: str, subject: str, body: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = config["MAIL_FROM"]
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = f"<{uuid.uuid4().hex}@socialgraph>"
    msg.set_content(body, charset="utf-8", cte="8bit")  # readable .eml files, links unwrapped
    return msg


def send(config: dict, msg: EmailMessage) -> str:
    """Deliver ``msg`` with the configured backend; returns where it went."""
    backend = config["MAIL_BACKEND"]
    if backend == "outbox":
        outbox = Path(config["MAIL_OUTBOX_DIR"])
        outbox.mkdir(parents=True, exist_ok=True)
        name = f"{time.time_ns()}-{uuid.uuid4().hex[:8]}.eml"
        tmp = outbox / (name + ".tmp")
        tmp.write_bytes(bytes(msg))
        os.replace(tmp, outbox / name)
        return str(outbox / name)
    if backend == "smtp":
        with smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=10) as smtp:
            if config["SMTP_STARTTLS"]:
                smtp.starttls()
            if config["SMTP_USER"]:
                smtp.login(config["SMTP_USER"], config["SMTP_PASSWORD"])
            smtp.send_message(msg)
        return f"smtp://{config['SMTP_HOST']}:{config['SMTP_PORT']}"
    raise ValueError(f"unknown MAIL_BACKEND {backend!r} (outbox or smtp)")
