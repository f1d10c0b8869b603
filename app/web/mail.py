"""Outgoing mail: one function, two backends chosen by MAIL_BACKEND.

- ``log``  (development and tests) logs the message and keeps it in an in-memory outbox
  (``app.extensions["outbox"]``) so tests and developers can read links from it. The body holds
  one-time links, so this backend is for development only.
- ``smtp`` sends through SMTP_HOST:SMTP_PORT, with STARTTLS when SMTP_STARTTLS and a login when
  SMTP_USER is set.

Callers pass plain text; addresses and subjects with line breaks are refused so a typed value
can never add a header.
"""

import logging
import smtplib
import ssl
from email.message import EmailMessage

from flask import current_app

log = logging.getLogger(__name__)

OUTBOX_LIMIT = 200  # the log backend keeps only the latest messages, so memory stays flat
SMTP_TIMEOUT_SECONDS = 10


class MailError(RuntimeError):
    """The message could not be handed to the mail server."""


def send_mail(to: str, subject: str, body: str) -> None:
    if any(c in (to + subject) for c in "\r\n\0"):
        raise MailError("line breaks are not allowed in an address or a subject")
    backend = current_app.config.get("MAIL_BACKEND", "log")
    if backend == "log":
        _send_to_log(to, subject, body)
    elif backend == "smtp":
        _send_smtp(to, subject, body)
    else:
        raise MailError(f"unknown MAIL_BACKEND {backend!r}")


def outbox() -> list[dict]:
    """Messages sent through the log backend, oldest first: {"to", "subject", "body"}."""
    return current_app.extensions.setdefault("outbox", [])


def _send_to_log(to: str, subject: str, body: str) -> None:
    box = outbox()
    box.append({"to": to, "subject": subject, "body": body})
    del box[:-OUTBOX_LIMIT]
    log.info("mail (log backend) to=%s subject=%s\n%s", to, subject, body)


def _send_smtp(to: str, subject: str, body: str) -> None:
    cfg = current_app.config
    message = EmailMessage()
    message["From"] = cfg["MAIL_FROM"]
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    try:
        with smtplib.SMTP(cfg["SMTP_HOST"], cfg["SMTP_PORT"], timeout=SMTP_TIMEOUT_SECONDS) as smtp:
            if cfg.get("SMTP_STARTTLS"):
                smtp.starttls(context=ssl.create_default_context())
            if cfg.get("SMTP_USER"):
                smtp.login(cfg["SMTP_USER"], cfg.get("SMTP_PASSWORD") or "")
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        log.warning("mail to %s failed: %s", to, type(exc).__name__)
        raise MailError("the mail server did not accept the message") from exc
