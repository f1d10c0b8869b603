from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models._time import utcnow


class RecoveryCode(db.Model):
    """A single-use code for logging in without the authenticator app.

    Only the SHA-256 of the code is kept (the codes are random, 50 bits each, so a fast hash is
    enough); the codes themselves are shown once, when they are made.
    """

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class TwoFactorPolicy(db.Model):
    """An administrator's choice whether accounts of a role must use 2FA. A role without a row
    follows TWO_FACTOR_REQUIRED_ROLES (admin and bureau in production)."""

    __tablename__ = "two_factor_policies"
    __table_args__ = (
        CheckConstraint("role IN ('member','advisor','bureau','admin')", name="role"),
    )

    role: Mapped[str] = mapped_column(String(16), primary_key=True)
    required: Mapped[bool] = mapped_column(Boolean)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
