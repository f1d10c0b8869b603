"""Sign-up through a confirmed address, so the form never tells whether an address has an
account (issue 9, finding 8).

- The form always answers "we sent you a mail" after the same work: the password is hashed,
  one row is written, one mail is rendered and handed to the background sender.
- A new address gets a single-use link (``secrets.token_urlsafe(32)``, only its SHA-256 kept,
  valid 24 hours); the account is created when the link is confirmed.
- An address that already has an account (a member's or a staff account) gets a mail saying so,
  with the login and password-reset pages, and nothing changes.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext
from sqlalchemy import delete, update

from app.audit import record
from app.auth.passwords import hash_password
from app.auth.users import find_user, normalise_email
from app.extensions import db
from app.models import SignupRequest, User
from app.models._time import utcnow
from app.web.links import external_url
from app.web.mail import send_mail_in_background

CONFIRM_TTL = timedelta(hours=24)
SUBJECT = lazy_gettext("【DX推進指標 自己診断】新規登録のご確認")
INVALID = lazy_gettext(
    "このリンクは無効か、有効期限が切れているか、既に使用されています。"
    "もう一度新規登録してください。"
)
TAKEN = lazy_gettext("このメールアドレスのアカウントは既に登録されています。ログインしてください。")


class SignupError(ValueError):
    """A confirmation link that cannot be used; the message says why, in Japanese."""


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def request_signup(email: str, display_name: str, password: str, next_url: str | None) -> None:
    email = normalise_email(email)
    password_hash = hash_password(password)  # for an existing address too: same work, same time
    token = secrets.token_urlsafe(32)
    existing = find_user(email)
    if existing is None:
        db.session.execute(delete(SignupRequest).where(SignupRequest.expires_at < utcnow()))
        db.session.add(
            SignupRequest(
                email=email,
                display_name=display_name,
                password_hash=password_hash,
                next_url=next_url,
                token_hash=_digest(token),
                expires_at=utcnow() + CONFIRM_TTL,
            )
        )
        record("signup_requested", details={"email": email})
        body = _confirm_body(external_url("auth.signup_confirm", token=token))
    else:
        record("signup_for_existing_account", details={"target_user_id": existing.id})
        body = _existing_body()
    db.session.commit()
    send_mail_in_background(email, SUBJECT, body, {"purpose": "signup"})


def pending(token: str) -> SignupRequest:
    """The request behind a link that can still be used; SignupError otherwise."""
    row = None
    if token and len(token) <= 128:
        row = db.session.scalar(
            db.select(SignupRequest).where(SignupRequest.token_hash == _digest(token))
        )
    if row is None or row.used_at is not None or _aware(row.expires_at) <= utcnow():
        raise SignupError(INVALID)
    return row


def confirm(token: str) -> tuple[User, str | None]:
    """Create the account from a confirmed link (once); returns it and where to go next."""
    row = pending(token)
    claimed = db.session.execute(
        update(SignupRequest)
        .where(SignupRequest.id == row.id, SignupRequest.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # confirmed a moment ago in another tab
        db.session.rollback()
        raise SignupError(INVALID)
    if find_user(row.email) is not None:  # two requests for one address, the other came first
        db.session.commit()
        raise SignupError(TAKEN)
    user = User(
        email=row.email,
        password_hash=row.password_hash,
        role="member",
        display_name=row.display_name or row.email.split("@")[0],
    )
    db.session.add(user)
    db.session.flush()
    record("signup", user_id=user.id)
    return user, row.next_url


def _aware(moment):
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _confirm_body(link: str) -> str:
    return _(
        "DX推進指標 自己診断 への新規登録のお申し込みを受け付けました。\n"
        "次のリンクを開いて、24時間以内に登録を完了してください。\n\n"
        "%(link)s\n\n"
        "このリンクは一度だけ使えます。お心当たりがない場合は、このメールを破棄してください。"
        "アカウントは作成されません。\n",
        link=link,
    )


def _existing_body() -> str:
    return _(
        "このメールアドレスで新規登録のお申し込みがありましたが、"
        "このメールアドレスのアカウントは既に登録されています。\n"
        "新しいアカウントは作成していません。次の画面からログインしてください。\n\n"
        "%(login_link)s\n\n"
        "パスワードをお忘れの場合は、次の画面から再設定できます。\n\n"
        "%(reset_link)s\n\n"
        "お心当たりがない場合は、このメールを破棄してください。アカウントは変更されていません。\n",
        login_link=external_url("auth.login"),
        reset_link=external_url("account.forgot_password"),
    )
