"""Server-side session rules: loading the user, the idle timeout, and keeping a POST that
arrives after the session has expired (so nothing typed is lost)."""

import secrets
import time
from datetime import timedelta

from flask import flash, jsonify, redirect, request, session, url_for
from flask_login import current_user, logout_user
from flask_wtf.csrf import CSRFError
from sqlalchemy import bindparam, select

from app.audit import record
from app.extensions import db, login_manager
from app.models import StashedPost, User
from app.models._time import utcnow
from app.web.errors import CSRF_MESSAGE, render_error

STASHABLE_ENDPOINTS = {"assessments.step"}
STASH_TTL = timedelta(hours=24)
EXPIRED_MESSAGE = "一定時間操作がなかったため、ログアウトしました。もう一度ログインしてください。"


# Runs on every request: built once, as building a statement per request costs more than
# SQLite's own work on one row.
_USER = select(User).where(User.id == bindparam("user_id"))


@login_manager.user_loader
def load_user(user_id: str):
    # The cookie carries "id:session_version"; a bumped version (logout, password change,
    # disabled account) invalidates every copy of an older cookie.
    try:
        uid, version = (int(part) for part in user_id.split(":", 1))
    except ValueError:
        return None
    user = db.session.scalar(_USER, {"user_id": uid})
    if user is None or user.session_version != version or user.is_disabled:
        return None
    return user


def stash_post(user_id: int | None) -> str | None:
    """Keep the posted step form server-side; return the stash id (or None if not stashable)."""
    if request.method != "POST" or request.endpoint not in STASHABLE_ENDPOINTS:
        return None
    args = request.view_args or {}
    payload = {k: v for k, v in request.form.items(multi=False) if k != "csrf_token"}
    stash = StashedPost(
        id=secrets.token_urlsafe(32),
        user_id=user_id,
        assessment_id=int(args["assessment_id"]),
        step_id=str(args["step_id"])[:32],
        payload=payload,
    )
    db.session.add(stash)
    db.session.commit()
    return stash.id


def remember_stash(stash_id: str | None) -> None:
    if stash_id:
        session["stash_id"] = stash_id


def _idle_expired() -> bool:
    last_seen = session.get("last_seen")
    from flask import current_app

    idle = current_app.config["SESSION_IDLE_SECONDS"]
    return last_seen is not None and time.time() - last_seen > idle


def _before_request():
    if request.endpoint in (None, "static"):
        return None
    if current_user.is_authenticated and _idle_expired():
        user_id = current_user.id
        stash_id = stash_post(user_id)
        logout_user()
        session.clear()
        remember_stash(stash_id)
        if request.endpoint == "main.session_status":
            return jsonify({"authenticated": False, "expires_in": 0})
        flash(EXPIRED_MESSAGE, "warning")
        if stash_id:
            flash("入力内容は一時保存されています。ログイン後に確認して保存してください。", "info")
        next_url = request.path if request.method == "GET" else request.path
        return redirect(url_for("auth.login", next=next_url))
    if current_user.is_authenticated and request.endpoint != "main.session_status":
        session["last_seen"] = int(time.time())
        session.permanent = True
    return None


def purge_old_stashes() -> int:
    cutoff = utcnow() - STASH_TTL
    n = db.session.execute(db.delete(StashedPost).where(StashedPost.created_at < cutoff)).rowcount
    db.session.commit()
    return n


def _csrf_error(exc):
    db.session.rollback()
    record("csrf_failure", details={"path": request.path[:200]}, commit=True)
    user_id = current_user.id if current_user.is_authenticated else None
    stash_id = stash_post(user_id)
    if stash_id:
        # A step form with an invalid or missing token: keep what was typed and show it again.
        remember_stash(stash_id)
        flash(
            "セキュリティ確認のため、入力内容はまだ保存されていません。内容を確認して、もう一度保存してください。",
            "warning",
        )
        return redirect(request.path)
    return render_error(400, CSRF_MESSAGE)


def init_session_handling(app) -> None:
    app.before_request(_before_request)
    app.register_error_handler(CSRFError, _csrf_error)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "このページを表示するにはログインしてください。"
    login_manager.login_message_category = "info"
    login_manager.session_protection = None  # sessions are ended server-side via session_version
