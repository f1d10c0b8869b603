"""Server-side session rules: loading the user, the idle timeout, and keeping a step POST that
arrives after the session has expired (so nothing typed is lost; see app/assessments/stash.py)."""

import time

from flask import current_app, flash, g, jsonify, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from flask_login import current_user, logout_user
from flask_wtf.csrf import CSRFError
from sqlalchemy import bindparam, select

from app import access
from app.assessments.stash import stash_expired_post
from app.audit import record
from app.auth import two_factor_policy
from app.extensions import db, login_manager
from app.indexes import citation
from app.models import User
from app.web.errors import CSRF_MESSAGE, render_error

EXPIRED_MESSAGE = lazy_gettext(
    "一定時間操作がなかったため、ログアウトしました。もう一度ログインしてください。"
)


# Runs on every request: built once, as building a statement per request costs more than
# SQLite's own work on one row. The user's role's stored 2FA choice comes with the user, so the
# 2FA check that follows on every request needs no query of its own (see two_factor_policy);
# so does the default index version the footer cites (see app/indexes/citation.py).
_USER = (
    select(User, two_factor_policy.STORED_CHOICE, citation.DEFAULT_CHOICE)
    .outerjoin(*two_factor_policy.JOIN_ON_ROLE)
    .where(User.id == bindparam("user_id"))
)
# A save's POST (access.reads_assessment_with_user): its assessment comes with the user.
_USER_WITH_ASSESSMENT = access.with_assessment(_USER)


@login_manager.user_loader
def load_user(user_id: str):
    # The cookie carries "id:session_version"; a bumped version (logout, password change,
    # disabled account) invalidates every copy of an older cookie.
    try:
        uid, version = (int(part) for part in user_id.split(":", 1))
    except ValueError:
        return None
    assessment_id = access.assessment_to_read_with_user()
    if assessment_id is None:
        row = db.session.execute(_USER, {"user_id": uid}).first()
    else:
        params = {"user_id": uid, "assessment_id": assessment_id}
        row = db.session.execute(_USER_WITH_ASSESSMENT, params).first()
    if row is None:
        return None
    user, stored_choice, default_index, *assessment_row = row
    if user.session_version != version or user.is_disabled:
        return None
    if assessment_id is not None:
        access.remember_assessment_read_with_user(assessment_id, user.id, assessment_row)
    two_factor_policy.remember_stored_choice(user, stored_choice)
    citation.remember_default_choice(default_index)
    return user


def remember_stash(stash_id: str | None) -> None:
    if stash_id:
        session["stash_id"] = stash_id


def activity_resolution() -> int:
    """How old the recorded activity time may get before a request records it again: a
    thirtieth of the idle timeout, at most a minute (the default 30 minutes: 60 s). Writing it
    on every request re-signed and re-sent the session cookie on every page (issue 16); a
    session now ends at most this much earlier than it did."""
    return min(60, current_app.config["SESSION_IDLE_SECONDS"] // 30)


def mark_active(force: bool = False) -> None:
    """Record activity now (when the recorded time is older than activity_resolution(), or
    always with `force`). Called at login too, so the login response's own cookie carries
    the time and cannot be replayed after the idle timeout. The session cookie is written
    only when this changes it (SESSION_REFRESH_EACH_REQUEST is off, app/config.py)."""
    now = int(time.time())
    last_seen = session.get("last_seen")
    if force or not isinstance(last_seen, int | float) or now - last_seen >= activity_resolution():
        session["last_seen"] = now
    if not session.permanent:
        session.permanent = True


def _idle_expired() -> bool:
    last_seen = session.get("last_seen")
    if not isinstance(last_seen, int | float):
        return True  # a logged-in session without an activity time is not trusted
    return time.time() - last_seen > current_app.config["SESSION_IDLE_SECONDS"]


def _before_request():
    if request.endpoint in (None, "static") or g.get("api_request"):
        return None  # the JSON API authenticates each request by its token, never the session
    if current_user.is_authenticated and _idle_expired():
        # Stashed (only with this session's own CSRF token) before the session is cleared.
        stash_id = stash_expired_post(current_user._get_current_object())
        logout_user()
        session.clear()
        remember_stash(stash_id)
        if request.endpoint == "main.session_status":
            return jsonify({"authenticated": False, "expires_in": 0})
        flash(EXPIRED_MESSAGE, "warning")
        if stash_id:
            flash(
                _("入力内容は一時保存されています。ログイン後に確認して保存してください。"), "info"
            )
        return redirect(url_for("auth.login", next=request.path))
    if current_user.is_authenticated and request.endpoint != "main.session_status":
        # "Continue" on the idle warning always moves the time (the answer reports it).
        mark_active(force=request.endpoint == "main.session_extend")
    return None


def _csrf_error(exc):
    """A refused token: an error page, and nothing kept. The session is left as it was (no
    flash, no stash), so a post from another site can neither replace the victim's session
    cookie nor leave input to be restored later."""
    db.session.rollback()
    record("csrf_failure", details={"path": request.path[:200]}, commit=True)
    return render_error(400, CSRF_MESSAGE)


def init_session_handling(app) -> None:
    app.before_request(_before_request)
    app.register_error_handler(CSRFError, _csrf_error)
    login_manager.login_view = "auth.login"
    login_manager.login_message = lazy_gettext("このページを表示するにはログインしてください。")
    login_manager.login_message_category = "info"
    login_manager.session_protection = None  # sessions are ended server-side via session_version
