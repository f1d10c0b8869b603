"""Stashed step posts: a step form posted after the idle timeout, kept so nothing typed is lost.

Only the member whose session just expired can create one, and only with that session's own
CSRF token (so another site cannot make one: it has no token), for an assessment draft they may
edit. The payload is the step's own fields, bounded in size; a user keeps a few at most. The
stash is offered back once, as a visible restored draft, only to the browser session holding its
id, and deleted when shown, when the step is saved in that session, or after STASH_TTL by
`flask stashes purge` (run from cron or a systemd timer). A save from another browser leaves it:
the restored draft keeps the version it was typed at, so saving it then is a conflict that shows
both values, and nothing typed is dropped.
"""

import json
import secrets
from datetime import timedelta

from flask import request
from flask_wtf.csrf import ValidationError, validate_csrf

from app.access import can
from app.assessments.forms import PARTS, field_name
from app.assessments.services import index_of
from app.extensions import db
from app.models import Assessment, StashedPost
from app.models._time import utcnow
from app.models.assessment import EVIDENCE_MAX

STASHABLE_ENDPOINT = "assessments.step"
STASH_TTL = timedelta(hours=24)
STASHES_PER_USER = 3
STASH_MAX_BYTES = 160 * 1024  # 9 items x 2 texts x 2000 characters of Japanese fit


def stash_expired_post(user) -> str | None:
    """Keep the step form the expired session of ``user`` posted; the stash id, or None when
    this request may not create a stash (wrong page, no valid token, no edit right, too big).

    Must run before the expired session is cleared: the CSRF token is checked against it."""
    if request.method != "POST" or request.endpoint != STASHABLE_ENDPOINT:
        return None
    try:
        validate_csrf(request.form.get("csrf_token"))
    except ValidationError:
        return None
    args = request.view_args or {}
    assessment = db.session.get(Assessment, args.get("assessment_id"))
    if (
        assessment is None
        or assessment.status != "draft"
        or not can(user, "edit", assessment.company_id)
        or not index_of(assessment).has_step(args.get("step_id", ""))
    ):
        return None
    payload = _bounded_payload(index_of(assessment).step(args["step_id"]))
    if payload is None:
        return None
    return _store(user.id, assessment.id, args["step_id"], payload)


def _bounded_payload(step) -> dict | None:
    """The step's own fields as posted, or None if anything is longer than the form allows."""
    payload = {}
    for name in [field_name(i, p) for i in step.item_ids for p in PARTS] + ["version"]:
        value = request.form.get(name)
        if value is None:
            continue
        if len(value) > EVIDENCE_MAX:
            return None
        payload[name] = value
    if len(json.dumps(payload).encode()) > STASH_MAX_BYTES:
        return None
    return payload


def _store(user_id: int, assessment_id: int, step_id: str, payload: dict) -> str:
    # One stash per user and step; beyond STASHES_PER_USER the oldest go.
    db.session.execute(
        db.delete(StashedPost).where(
            StashedPost.user_id == user_id,
            StashedPost.assessment_id == assessment_id,
            StashedPost.step_id == step_id,
        )
    )
    keep = db.session.scalars(
        db.select(StashedPost.id)
        .where(StashedPost.user_id == user_id)
        .order_by(StashedPost.created_at.desc())
        .limit(STASHES_PER_USER - 1)
    ).all()
    db.session.execute(
        db.delete(StashedPost).where(
            StashedPost.user_id == user_id, StashedPost.id.not_in(keep or [""])
        )
    )
    stash = StashedPost(
        id=secrets.token_urlsafe(32),
        user_id=user_id,
        assessment_id=assessment_id,
        step_id=step_id,
        payload=payload,
    )
    db.session.add(stash)
    db.session.commit()
    return stash.id


def take_stash(assessment, step_id: str, user, session_stash_id: str | None) -> dict | None:
    """The payload of the stash this browser session points at, if it is this user's, for this
    step and not stale; it is deleted as it is handed over (offered back once)."""
    if not session_stash_id:
        return None
    stash = db.session.scalar(
        db.select(StashedPost).where(
            StashedPost.id == session_stash_id,
            StashedPost.user_id == user.id,
            StashedPost.assessment_id == assessment.id,
            StashedPost.step_id == step_id,
            StashedPost.created_at >= utcnow() - STASH_TTL,
        )
    )
    if stash is None:
        return None
    payload = dict(stash.payload)
    db.session.delete(stash)
    db.session.commit()
    return payload


def purge_old_stashes() -> int:
    """Delete stashes older than STASH_TTL; the number deleted."""
    cutoff = utcnow() - STASH_TTL
    deleted = db.session.execute(
        db.delete(StashedPost).where(StashedPost.created_at < cutoff)
    ).rowcount
    db.session.commit()
    return deleted
