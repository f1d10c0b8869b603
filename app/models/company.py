from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models._time import utcnow

COMPANY_ROLES = ("owner", "editor", "viewer")


class Company(db.Model):
    __tablename__ = "companies"
    __table_args__ = (
        CheckConstraint("fiscal_year_start_month BETWEEN 1 AND 12", name="fy_month"),
        CheckConstraint("employees IS NULL OR employees >= 0", name="employees"),
        CheckConstraint("capital_yen IS NULL OR capital_yen >= 0", name="capital"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    corporate_number: Mapped[str | None] = mapped_column(String(13), unique=True)
    is_sole_proprietor: Mapped[bool] = mapped_column(default=False)
    prefecture_code: Mapped[str] = mapped_column(String(2), index=True)
    jsic_division: Mapped[str] = mapped_column(String(1))
    sme_sector: Mapped[str] = mapped_column(String(32))
    employees: Mapped[int | None]
    capital_yen: Mapped[int | None] = mapped_column(db.BigInteger)
    fiscal_year_start_month: Mapped[int] = mapped_column(default=4)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    memberships = relationship("Membership", back_populates="company", cascade="all, delete-orphan")
    assessments = relationship("Assessment", back_populates="company", cascade="all, delete-orphan")


class Membership(db.Model):
    __tablename__ = "memberships"
    __table_args__ = (
        UniqueConstraint("company_id", "user_id"),
        CheckConstraint("role IN ('owner','editor','viewer')", name="role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    company = relationship("Company", back_populates="memberships")
    user = relationship("User", back_populates="memberships")
