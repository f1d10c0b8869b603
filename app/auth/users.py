"""Creating and authenticating users: the one place both the web views and the CLI use."""

import unicodedata

from flask import session
from flask_babel import gettext as _
from flask_login import login_user

from app.auth.passwords import hash_password, password_problems, verify_password
from app.auth.session import mark_active
from app.extensions import db
from app.models import User
from app.models._time import utcnow


class UserError(ValueError):
    pass


def normalise_email(email: str) -> str:
    """One spelling per address, so uniqueness holds: NFKC turns full-width "ｏｗｎｅｒ@…"
    into "owner@…", then case is folded."""
    return unicodedata.normalize("NFKC", email).strip().lower()


def find_user(email: str) -> User | None:
    return db.session.scalar(db.select(User).where(User.email == normalise_email(email)))


def create_user(
    email: str,
    password: str,
    *,
    role: str = "member",
    display_name: str = "",
    organisation: str | None = None,
    bureau_code: str | None = None,
) -> User:
    email = normalise_email(email)
    problems = password_problems(password, (email, display_name, organisation or ""))
    if problems:
        raise UserError(" ".join(problems))
    if find_user(email) is not None:
        raise UserError(_("このメールアドレスは既に登録されています。"))
    user = User(
        email=email,
        password_hash=hash_password(password),
        role=role,
        display_name=display_name or email.split("@")[0],
        organisation=organisation,
        bureau_code=bureau_code,
    )
    db.session.add(user)
    db.session.flush()
    return user


def authenticate(email: str, password: str) -> User | None:
    """The user if the credentials are right and the account is enabled, else None.

    An unknown e-mail costs the same hash verification as a wrong password.
    """
    user = find_user(email)
    ok = verify_password(user.password_hash if user else None, password)
    if user is None or not ok or user.is_disabled:
        return None
    return user


def start_session(user: User) -> None:
    """Log in with a fresh session (no fixation), keeping only a stashed step POST."""
    stash_id = session.get("stash_id")
    session.clear()
    if stash_id:
        session["stash_id"] = stash_id
    login_user(user)
    mark_active(force=True)  # the login response's cookie already carries the activity time
    user.last_login_at = utcnow()


def end_all_sessions(user: User) -> None:
    user.session_version += 1
