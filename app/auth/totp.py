"""Time-based one-time passwords (RFC 6238) as a second factor for advisors, bureau staff and
administrators, who see many companies' data.

- Secrets come from pyotp.random_base32() (160 bits from the OS CSPRNG) and are stored
  encrypted (User.totp_secret_encrypted, app/secret_box.py).
- Wrong codes are limited per account (TOTP_LIMITS, app/auth/account_views.py); recovery codes
  (app/auth/recovery_codes.py) stand in for a lost authenticator.
- 30-second steps; a code of the previous or next step is accepted for clock drift.
- Single use: the step counter of the last accepted code is stored (User.totp_last_counter) and
  a code for that step or an earlier one is refused, so a code seen over someone's shoulder
  cannot be replayed. Recording the counter is a conditional UPDATE, so two requests racing with
  the same code cannot both pass.
- Between the password and the code the browser holds only a pending marker in the session;
  the user is not logged in until the code is accepted.
"""

from __future__ import annotations

import hmac
import re
import time

import pyotp
from flask import session
from sqlalchemy import or_, update

from app.extensions import db
from app.models import User
from app.web.form_fields import number_text

ELIGIBLE_ROLES = ("advisor", "bureau", "admin")
ISSUER = "DX推進指標 自己診断"
DRIFT_STEPS = 1
PENDING_KEY = "pending_2fa"
PENDING_SECONDS = 300  # time allowed between the password and the code
SETUP_KEY = "totp_setup_secret"
CODE_PATTERN = re.compile(r"\A[0-9]{6}\Z")


def eligible(user) -> bool:
    """Staff may always set it up; members when an administrator requires it for them."""
    from app.auth.two_factor_policy import is_required

    return user.role in ELIGIBLE_ROLES or is_required(user)


def enabled(user) -> bool:
    return bool(user.totp_secret_encrypted)


def new_secret() -> str:
    return pyotp.random_base32()


def grouped(secret: str) -> str:
    """The secret in groups of four, easier to type into an authenticator app."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def provisioning_uri(email: str, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def normalise_code(code: str | None) -> str | None:
    """Six ASCII digits (full-width digits and spaces are tolerated); None for anything else."""
    if not code:
        return None
    try:
        text = number_text(code).replace(" ", "").replace("-", "")
    except ValueError:  # "①" or "٤" are not digits here either
        return None
    return text if CODE_PATTERN.match(text) else None


def matching_counter(secret: str, code: str | None, now: float | None = None) -> int | None:
    """The time-step counter whose code equals ``code`` (within the drift), or None."""
    code = normalise_code(code)
    if code is None or not secret:
        return None
    totp = pyotp.TOTP(secret)
    current = int((time.time() if now is None else now) // totp.interval)
    for counter in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(counter), code):
            return counter
    return None


def consume_code(user: User, code: str | None, now: float | None = None) -> bool:
    """Accept a code once: True if it is valid and newer than the last accepted one."""
    counter = matching_counter(user.totp_secret, code, now)
    if counter is None:
        return False
    claimed = db.session.execute(
        update(User)
        .where(
            User.id == user.id,
            or_(User.totp_last_counter.is_(None), User.totp_last_counter < counter),
        )
        .values(totp_last_counter=counter)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(user, ["totp_last_counter"])
    return claimed.rowcount == 1


def enable(user: User, secret: str, code: str | None, now: float | None = None) -> bool:
    """Turn TOTP on if ``code`` proves the authenticator holds ``secret``."""
    counter = matching_counter(secret, code, now)
    if counter is None:
        return False
    user.totp_secret = secret
    user.totp_last_counter = counter  # the confirming code cannot be used again to log in
    return True


def disable(user: User) -> None:
    user.totp_secret = None
    user.totp_last_counter = None


# -- the pending login between the password and the code --------------------------------------


def begin_pending_login(user: User, next_url: str | None) -> None:
    stash_id = session.get("stash_id")  # a step saved after expiry survives, as in start_session
    session.clear()
    if stash_id:
        session["stash_id"] = stash_id
    session[PENDING_KEY] = {
        "user_id": user.id,
        "session_version": user.session_version,
        "started": int(time.time()),
        "next": next_url,
    }


def pending_login() -> tuple[User, str | None] | None:
    """The user waiting for their code and where they were going; None if there is none."""
    pending = session.get(PENDING_KEY)
    if not isinstance(pending, dict):
        return None
    if time.time() - pending.get("started", 0) > PENDING_SECONDS:
        session.pop(PENDING_KEY, None)
        return None
    user_id = pending.get("user_id")
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if (
        user is None
        or user.is_disabled
        or not enabled(user)
        or user.session_version != pending.get("session_version")
    ):
        session.pop(PENDING_KEY, None)
        return None
    return user, pending.get("next")


def pending_user_id() -> int | None:
    pending = session.get(PENDING_KEY)
    return pending.get("user_id") if isinstance(pending, dict) else None
