"""Password reset and change.

- A reset link carries ``secrets.token_urlsafe(32)`` (256 bits); only its SHA-256 is stored.
- A link works once and for an hour (a new staff account's first link: 24 hours). Using it is a
  conditional UPDATE, so two tabs cannot both use one link.
- Setting a password bumps ``session_version``: every existing session of the account ends.
  A reset never signs the user in, so the login afterwards still asks for the TOTP code.
- Asking for a link gives the same answer whether or not the address has an account.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext
from sqlalchemy import update

from app.audit import record
from app.auth.passwords import hash_password, password_problems, verify_password
from app.auth.users import end_all_sessions, find_user, normalise_email
from app.extensions import db
from app.models import PasswordResetToken, User
from app.models._time import utcnow
from app.web.links import external_url
from app.web.mail import MailError, send_mail, send_mail_in_background

RESET_TTL = timedelta(hours=1)
WELCOME_TTL = timedelta(hours=24)

INVALID = lazy_gettext("このリンクは無効です。もう一度パスワード再設定の手続きをしてください。")
USED = lazy_gettext(
    "このリンクは既に使用されています。もう一度パスワード再設定の手続きをしてください。"
)
EXPIRED = lazy_gettext(
    "このリンクは有効期限が切れています。もう一度パスワード再設定の手続きをしてください。"
)


class ResetError(ValueError):
    """A reset link that cannot be used; the message says why, in Japanese."""


class PasswordError(ValueError):
    """A new password that breaks the policy, or a wrong current password (``field`` says
    which form field the message belongs to)."""

    def __init__(self, message: str, field: str = "password"):
        super().__init__(message)
        self.field = field


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _aware(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; every stored time is UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def issue_token(user: User, ttl: timedelta = RESET_TTL) -> str:
    """A new single-use token for ``user`` (added to the session, not committed)."""
    token = secrets.token_urlsafe(32)
    db.session.add(
        PasswordResetToken(user_id=user.id, token_hash=_digest(token), expires_at=utcnow() + ttl)
    )
    db.session.flush()
    return token


def reset_link(token: str) -> str:
    return external_url("account.reset_password", token=token)


RESET_SUBJECT = lazy_gettext("【DX推進指標 自己診断】パスワード再設定のご案内")


def _reset_body(link: str) -> str:
    return _(
        "パスワード再設定のお申し込みを受け付けました。\n"
        "次のリンクから1時間以内に新しいパスワードを設定してください。\n\n"
        "%(link)s\n\n"
        "このリンクは一度だけ使えます。お心当たりがない場合は、このメールを破棄してください。"
        "パスワードは変更されません。\n",
        link=link,
    )


def request_reset(email: str) -> None:
    """Mail a reset link if the address has an active account; look the same either way.

    Both cases do the same work (draw a token, write one audit row, render the mail) and the
    mail leaves in the background, so the answer takes as long for a known address as for an
    unknown one.
    """
    user = find_user(email)
    active = user is not None and not user.is_disabled
    token = secrets.token_urlsafe(32)
    if active:
        db.session.add(
            PasswordResetToken(
                user_id=user.id, token_hash=_digest(token), expires_at=utcnow() + RESET_TTL
            )
        )
        record("password_reset_requested", user_id=user.id)
    else:
        record("password_reset_requested", details={"email": normalise_email(email)[:254]})
    db.session.commit()
    body = _reset_body(reset_link(token))
    if active:
        send_mail_in_background(
            user.email,
            RESET_SUBJECT,
            body,
            {"purpose": "password_reset", "target_user_id": user.id},
        )


def check_token(token: str) -> PasswordResetToken:
    """The token's row if the link can still be used; ResetError otherwise."""
    if not token or len(token) > 128:
        raise ResetError(INVALID)
    row = db.session.scalar(
        db.select(PasswordResetToken).where(PasswordResetToken.token_hash == _digest(token))
    )
    if row is None:
        raise ResetError(INVALID)
    if row.used_at is not None:
        raise ResetError(USED)
    if _aware(row.expires_at) <= utcnow():
        raise ResetError(EXPIRED)
    user = db.session.get(User, row.user_id)
    if user is None or user.is_disabled:
        raise ResetError(INVALID)
    return row


def reset_password(token: str, new_password: str) -> User:
    """Use the link once to set a new password; ends every session of the account."""
    row = check_token(token)
    user = db.session.get(User, row.user_id)
    problems = password_problems(new_password, _context_words(user))
    if problems:
        raise PasswordError(" ".join(problems))
    now = utcnow()
    claimed = db.session.execute(
        update(PasswordResetToken)
        .where(
            PasswordResetToken.id == row.id,
            PasswordResetToken.used_at.is_(None),
            PasswordResetToken.expires_at > now,
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # used a moment ago in another tab
        db.session.rollback()
        raise ResetError(USED)
    # Any other outstanding link of this account stops working too.
    db.session.execute(
        update(PasswordResetToken)
        .where(PasswordResetToken.user_id == user.id, PasswordResetToken.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    _set_password(user, new_password)
    record("password_reset", user_id=user.id)
    db.session.commit()
    return user


def change_password(user: User, current_password: str, new_password: str) -> None:
    """Change with the current password; other sessions end (the caller starts a new one)."""
    if not verify_password(user.password_hash, current_password):
        record("password_change_failed", user_id=user.id, commit=True)
        raise PasswordError(_("現在のパスワードが正しくありません。"), "current_password")
    problems = password_problems(new_password, _context_words(user))
    if problems:
        raise PasswordError(" ".join(problems))
    _set_password(user, new_password)
    record("password_changed", user_id=user.id)


def notify_password_changed(user: User) -> None:
    """Tell the owner of the address, so a change they did not make does not go unnoticed."""
    try:
        send_mail(
            user.email,
            _("【DX推進指標 自己診断】パスワードが変更されました"),
            _(
                "アカウントのパスワードが変更されました。\n"
                "お心当たりがない場合は、すぐにパスワードの再設定を行い、管理者にご連絡ください。\n"
            ),
        )
    except MailError:
        record("mail_failed", user_id=user.id, details={"purpose": "password_changed"}, commit=True)


def _set_password(user: User, new_password: str) -> None:
    user.password_hash = hash_password(new_password)
    end_all_sessions(user)


def _context_words(user: User) -> tuple[str, ...]:
    from app.models import Company, Membership

    companies = db.session.scalars(
        db.select(Company.name).join(Membership).where(Membership.user_id == user.id)
    ).all()
    return (user.email, user.display_name or "", user.organisation or "", *companies)
