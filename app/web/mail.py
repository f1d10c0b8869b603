"""Outgoing mail: one function, two backends chosen by MAIL_BACKEND.

- ``log``  (development and tests) logs the message and keeps it in an in-memory outbox
  (``app.extensions["outbox"]``) so tests and developers can read links from it. The body holds
  one-time links, so this backend is for development only.
- ``smtp`` sends through SMTP_HOST:SMTP_PORT, with STARTTLS when SMTP_STARTTLS and a login when
  SMTP_USER is set.

Callers pass plain text; addresses and subjects with line breaks are refused so a typed value
can never add a header. Text that users typed (company and display names) goes into a mail only
through ``quoted()``: one line, in 「」, with URL-like parts defanged so no mail client turns it
into a link; it never appears in the subject or the From header.
"""

import logging
import re
import smtplib
import ssl
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from email.message import EmailMessage

from flask import current_app

from app.web.locale import DEFAULT, in_language

log = logging.getLogger(__name__)

QUOTED_MAX = 100
# Things a mail client would turn into a link: a scheme, an address, a domain name.
_LINKISH = re.compile(
    r"[A-Za-z][A-Za-z0-9+.-]*:/*"  # a scheme: https://, mailto:
    r"|[\w.+-]+@[\w-]+(?:\.[\w-]+)+"  # an address
    r"|[\w-]+(?:\.[\w-]+)+"  # a domain name
)
OUTBOX_LIMIT = 200  # the log backend keeps only the latest messages, so memory stays flat
SMTP_TIMEOUT_SECONDS = 10


class MailError(RuntimeError):
    """The message could not be handed to the mail server."""


def in_language_of(user):
    """Write a mail to a known account in the language that account chose on its pages (none
    chosen: Japanese), not in the language of whoever caused the mail. A context manager: build
    the subject and body and hand them to the send functions inside it."""
    return in_language(getattr(user, "preferred_locale", None) or DEFAULT)


def mail_each_in_their_language(users, subject, write_body, details: dict) -> None:
    """One background mail per user, subject and body written in that user's language
    (``write_body()`` is called inside it); ``details`` plus the user's id go to the audit
    log if sending fails."""
    for user in users:
        with in_language_of(user):
            send_mail_in_background(
                user.email, subject, write_body(), {**details, "user_id": user.id}
            )


def send_mail(to: str, subject: str, body: str) -> None:
    subject, body = str(subject), str(body)  # a lazy translation becomes text here
    if any(c in (to + subject) for c in "\r\n\0"):
        raise MailError("line breaks are not allowed in an address or a subject")
    backend = current_app.config.get("MAIL_BACKEND", "log")
    if backend == "log":
        _send_to_log(to, subject, body)
    elif backend == "smtp":
        _send_smtp(to, subject, body)
    else:
        raise MailError(f"unknown MAIL_BACKEND {backend!r}")


_executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="mail")
_pending: set[Future] = set()
_pending_lock = threading.Lock()


def send_mail_in_background(to: str, subject: str, body: str, failure_details: dict) -> None:
    """Send without making the response wait (MAIL_ASYNC), so answering for an address with an
    account takes as long as for one without. A failure is logged and audited
    ("mail_failed" with ``failure_details``), as the synchronous callers do."""
    app = current_app._get_current_object()
    # Translated now, in the request's language: the mail thread has no request to ask.
    subject, body = str(subject), str(body)
    if not app.config.get("MAIL_ASYNC"):
        _send_or_audit(to, subject, body, failure_details)
        return

    def run():
        with app.app_context():
            _send_or_audit(to, subject, body, failure_details)

    future = _executor.submit(run)
    with _pending_lock:
        _pending.add(future)
    future.add_done_callback(_forget)


def _forget(future: Future) -> None:
    with _pending_lock:
        _pending.discard(future)


def wait_for_background_mail(timeout: float = 10) -> None:
    """Block until mails handed to the background have been sent (tests, shutdown)."""
    with _pending_lock:
        futures = list(_pending)
    for future in futures:
        future.result(timeout=timeout)


def _send_or_audit(to: str, subject: str, body: str, failure_details: dict) -> None:
    from app.audit import record

    try:
        send_mail(to, subject, body)
    except MailError:
        record("mail_failed", details=failure_details, commit=True)


def quoted(text: str | None) -> str:
    """User-typed text as data in a plain-text mail: 「text」 on one line, nothing clickable.

    Line breaks and other control characters become spaces (a name cannot add lines that look
    like the service's own); "https://x.example" becomes "https[:]//x[.]example".
    """
    flat = "".join(" " if ord(c) < 32 or 127 <= ord(c) < 160 else c for c in text or "")
    flat = " ".join(flat.split())
    if len(flat) > QUOTED_MAX:
        flat = flat[:QUOTED_MAX] + "…"
    flat = _LINKISH.sub(lambda m: m.group(0).replace(":", "[:]").replace(".", "[.]"), flat)
    return f"「{flat.replace('」', '』')}」"


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
