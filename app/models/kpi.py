from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models._time import utcnow
from questionnaires import VALUE_TYPES

KPI_DIRECTIONS = ("higher", "lower")
KPI_NAME_MAX = 100
KPI_DEFINITION_MAX = 2000
KPI_UNIT_MAX = 20
# Exact decimals; 15 significant digits at most are accepted (see app/form_fields.py).
KpiNumber = Numeric(20, 6)


class Indicator(db.Model):
    """A company's quantitative indicator (定量指標) for one three-year cycle.

    The index leaves the definition to each company, so ``definition`` is required. A new
    cycle is a new row (``cycle`` + 1, ``previous_id`` pointing back) and the old one is
    archived, so the old cycle's values and target revisions stay as they were.
    Ordered scales store the rank (best label highest, scoring rule P8); ``scale`` lists the
    labels best → worst.
    """

    __tablename__ = "kpi_indicators"
    __table_args__ = (
        UniqueConstraint("company_id", "name", "cycle"),
        CheckConstraint(
            "value_type IN (" + ",".join(f"'{t}'" for t in VALUE_TYPES) + ")",
            name="value_type",
        ),
        CheckConstraint("direction IN ('higher','lower')", name="direction"),
        CheckConstraint("target_year > baseline_year", name="years"),
        CheckConstraint("cycle >= 1", name="cycle"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), index=True
    )
    example_id: Mapped[str | None] = mapped_column(String(16))
    # The index version whose catalogue the example came from (example ids are per version);
    # None for indicators made before it was recorded.
    example_version: Mapped[str | None] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(KPI_NAME_MAX))
    definition: Mapped[str] = mapped_column(Text)
    value_type: Mapped[str] = mapped_column(String(16))
    unit: Mapped[str | None] = mapped_column(String(KPI_UNIT_MAX))
    scale: Mapped[list | None] = mapped_column(JSON)
    direction: Mapped[str] = mapped_column(String(8), default="higher")
    baseline_year: Mapped[int]
    baseline_value: Mapped[Decimal] = mapped_column(KpiNumber)
    target_year: Mapped[int]
    target_value: Mapped[Decimal] = mapped_column(KpiNumber)
    cycle: Mapped[int] = mapped_column(default=1)
    previous_id: Mapped[int | None] = mapped_column(
        ForeignKey("kpi_indicators.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    archived_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    company = relationship("Company")
    values = relationship(
        "IndicatorValue",
        back_populates="indicator",
        cascade="all, delete-orphan",
        order_by="IndicatorValue.fiscal_year",
    )
    revisions = relationship(
        "TargetRevision",
        cascade="all, delete-orphan",
        order_by="TargetRevision.id",
    )


class IndicatorValue(db.Model):
    """The actual value of an indicator in one fiscal year; a year without a row is missing."""

    __tablename__ = "kpi_values"
    __table_args__ = (UniqueConstraint("indicator_id", "fiscal_year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("kpi_indicators.id", ondelete="CASCADE"))
    fiscal_year: Mapped[int]
    value: Mapped[Decimal] = mapped_column(KpiNumber)
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    entered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    indicator = relationship("Indicator", back_populates="values")


class TargetRevision(db.Model):
    """One change of an indicator's target: who, when, the old and the new target."""

    __tablename__ = "kpi_target_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(
        ForeignKey("kpi_indicators.id", ondelete="CASCADE"), index=True
    )
    old_target_value: Mapped[Decimal] = mapped_column(KpiNumber)
    new_target_value: Mapped[Decimal] = mapped_column(KpiNumber)
    old_target_year: Mapped[int]
    new_target_year: Mapped[int]
    revised_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    revised_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    reason: Mapped[str] = mapped_column(Text, default="")

    revised_by = relationship("User")
