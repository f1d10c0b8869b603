"""A signed cookie naming the accounts that logged in successfully from this browser.

When an account is under attack (its failed logins passed LOGIN_ACCOUNT_LIMITS, from anywhere),
a correct password is still accepted from a browser that holds this cookie, so nobody can lock
the real user out by typing wrong passwords (OWASP's "device cookies" for credential stuffing).
The cookie only lifts that one limit; the password is checked as always.
"""

from flask import current_app, request
from itsdangerous import BadSignature, URLSafeTimedSerializer

MAX_AGE_SECONDS = 180 * 24 * 3600
MAX_ACCOUNTS = 5  # a shared office PC remembers its last few users


def _cookie_name() -> str:
    production = current_app.config["APP_ENV"] == "production"
    return "__Host-known_device" if production else "known_device"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="known-device")


def _user_ids() -> list[int]:
    raw = request.cookies.get(_cookie_name())
    if not raw:
        return []
    try:
        ids = _serializer().loads(raw, max_age=MAX_AGE_SECONDS)
    except BadSignature:
        return []
    return [i for i in ids if isinstance(i, int)] if isinstance(ids, list) else []


def is_known(user) -> bool:
    return user.id in _user_ids()


def remember(response, user) -> None:
    ids = [i for i in _user_ids() if i != user.id][-(MAX_ACCOUNTS - 1) :] + [user.id]
    response.set_cookie(
        _cookie_name(),
        _serializer().dumps(ids),
        max_age=MAX_AGE_SECONDS,
        path="/",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        httponly=True,
        samesite="Lax",
    )
