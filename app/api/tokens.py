"""Personal access tokens: created (shown once), stored as SHA-256, listed with their last use,
revoked. Each operation owns its commit."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from app.audit import record
from app.extensions import db
from app.models import ApiToken, User
from app.models._time import utcnow

TOKEN_PREFIX = "dxp_"  # noqa: S105 - makes leaked tokens recognisable (secret scanners, logs)
MAX_EXPIRES_DAYS = 3650
# The last use is written at most this often per token, so GETs do not each cost a write.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class TokenRefused(ValueError):
    pass


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    secret: str  # the only time the plain value exists outside the client


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _aware(value: datetime | None) -> datetime | None:
    # SQLite gives naive datetimes back; every stored time is UTC.
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def status_of(token: ApiToken, now: datetime | None = None) -> str:
    """'active', 'revoked' or 'expired'."""
    now = now or utcnow()
    if token.revoked_at is not None:
        return "revoked"
    expires = _aware(token.expires_at)
    if expires is not None and expires <= now:
        return "expired"
    return "active"


def create_token(user: User, name: str, expires_days: int | None) -> NewToken:
    name = (name or "").strip() or "APIトークン"
    if len(name) > 100:
        raise TokenRefused("名前は100文字以内で入力してください。")
    if expires_days is not None and not 1 <= expires_days <= MAX_EXPIRES_DAYS:
        raise TokenRefused(f"有効期限は1日から{MAX_EXPIRES_DAYS}日の間で指定してください。")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = utcnow()
    token = ApiToken(
        user_id=user.id,
        name=name,
        token_hash=hash_secret(secret),
        prefix=secret[: len(TOKEN_PREFIX) + 6],
        created_at=now,
        expires_at=now + timedelta(days=expires_days) if expires_days else None,
    )
    db.session.add(token)
    db.session.flush()
    record("api_token_created", user_id=user.id, details={"token_id": token.id})
    db.session.commit()
    return NewToken(token, secret)


def tokens_of(user: User) -> list[ApiToken]:
    return list(
        db.session.scalars(
            db.select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())
        )
    )


def revoke_token(user: User, token_id: int) -> bool:
    """Revoke one of the user's own tokens; False if there is no such active token."""
    result = db.session.execute(
        update(ApiToken)
        .where(
            ApiToken.id == token_id,
            ApiToken.user_id == user.id,
            ApiToken.revoked_at.is_(None),
        )
        .values(revoked_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.rollback()
        return False
    record("api_token_revoked", user_id=user.id, details={"token_id": token_id})
    db.session.commit()
    return True


def authenticate(secret: str) -> User | None:
    """The active user a presented token acts for, or None (unknown, revoked, expired token,
    or a disabled account). Records the token's last use."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    token = db.session.scalar(db.select(ApiToken).where(ApiToken.token_hash == hash_secret(secret)))
    if token is None:
        return None
    now = utcnow()
    if status_of(token, now) != "active":
        return None
    user = db.session.get(User, token.user_id)
    if user is None or user.is_disabled:
        return None
    last = _aware(token.last_used_at)
    if last is None or now - last >= LAST_USED_RESOLUTION:
        db.session.execute(
            update(ApiToken)
            .where(ApiToken.id == token.id)
            .values(last_used_at=now)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
    return user
