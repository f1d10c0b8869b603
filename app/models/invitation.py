from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models._time import utcnow

INVITABLE_ROLES = ("editor", "viewer")


class Invitation(db.Model):
    """An owner's invitation to join a company, accepted once through an e-mailed link.

    Only the SHA-256 of the link's token is stored, so a copy of the database cannot be used
    to join a company.
    """

    __tablename__ = "invitations"
    __table_args__ = (CheckConstraint("role IN ('editor','viewer')", name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(String(254))
    role: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    used_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Set when the owner cancels it, or when a newer invitation to the same address replaces it.
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    company = relationship("Company")
