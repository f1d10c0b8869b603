from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models._time import utcnow

GRANT_SCOPES = ("read", "comment")


class AdvisorGrant(db.Model):
    """A company owner's permission for one advisor to see (and comment on) the company.

    Active while revoked_at is NULL; revoked rows stay as history. A partial unique index keeps
    at most one active grant per (company, advisor), also under concurrent grants.
    """

    __tablename__ = "advisor_grants"
    __table_args__ = (
        CheckConstraint("scope IN ('read','comment')", name="scope"),
        Index(
            "uq_advisor_grants_active",
            "company_id",
            "advisor_id",
            unique=True,
            sqlite_where=text("revoked_at IS NULL"),
            postgresql_where=text("revoked_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    advisor_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    scope: Mapped[str] = mapped_column(String(16))
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    granted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    company = relationship("Company")
    advisor = relationship("User", foreign_keys=[advisor_id])
