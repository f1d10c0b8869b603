"""Audit log of security-relevant events (login, failed login, submit, reopen, grants, ...).

Entries are rows (UTC timestamps, structured details), so free text such as an e-mail address
with a newline cannot forge a log line. Secrets are never passed in.
"""

from flask import has_request_context, request
from flask_login import current_user

from app.extensions import db
from app.models import AuditEvent


def record(event: str, *, company_id=None, user_id=None, details=None, commit=False) -> AuditEvent:
    if user_id is None and has_request_context() and current_user and current_user.is_authenticated:
        user_id = current_user.id
    ip = request.remote_addr if has_request_context() else None
    entry = AuditEvent(
        event=event, user_id=user_id, company_id=company_id, ip=ip, details=details or {}
    )
    db.session.add(entry)
    if commit:
        db.session.commit()
    return entry
