from datetime import date, datetime

from sqlalchemy import JSON, Date, DateTime, Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db

# Names sort by code point (app.advisors.naming): byte order of UTF-8 is code-point order,
# SQLite's default; PostgreSQL needs the "C" collation for the same order.
SortText = String(400).with_variant(String(400, collation="C"), "postgresql")


class CompanySummary(db.Model):
    """What the advisor's client list shows of one company, kept up to date in the same
    transaction by every service that changes it (app.advisors.summaries.refresh_summary), so
    the list is sorted, filtered and paged in SQL. The target statuses depend on the date:
    a row is recomputed when the company's next fiscal year has begun (``next_year_starts``).
    `flask summaries check` compares every row with a fresh computation."""

    __tablename__ = "company_summaries"

    company_id: Mapped[int] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), primary_key=True
    )
    name_key: Mapped[str] = mapped_column(SortText)  # name_sort_key()[0]
    name_normal: Mapped[str] = mapped_column(SortText)  # name_sort_key()[1]
    size: Mapped[str] = mapped_column(String(16))  # small / sme / large / unknown
    fiscal_year: Mapped[int | None] = mapped_column(Integer)  # the latest assessment's
    assessment_id: Mapped[int | None] = mapped_column(
        ForeignKey("assessments.id", ondelete="SET NULL")
    )
    state: Mapped[str] = mapped_column(String(16))  # none / draft / submitted
    state_rank: Mapped[int] = mapped_column(Integer)  # the order of the states
    answered: Mapped[int | None] = mapped_column(Integer)  # a draft's answered items
    item_count: Mapped[int | None] = mapped_column(Integer)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    card_year: Mapped[int | None] = mapped_column(Integer)  # the year giving the means
    index_version: Mapped[str | None] = mapped_column(String(32))
    current_mean: Mapped[float | None] = mapped_column(Float)
    target_mean: Mapped[float | None] = mapped_column(Float)
    change: Mapped[float | None] = mapped_column(Float)
    previous_year: Mapped[int | None] = mapped_column(Integer)  # the year compared with
    comparable: Mapped[bool] = mapped_column(default=True)
    on_track: Mapped[int] = mapped_column(Integer, default=0)
    behind: Mapped[int] = mapped_column(Integer, default=0)
    missing: Mapped[int] = mapped_column(Integer, default=0)
    open_points: Mapped[int] = mapped_column(Integer, default=0)
    last_activity: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    item_levels: Mapped[dict | None] = mapped_column(JSON)  # item id -> newest current level
    as_of_year: Mapped[int] = mapped_column(Integer)
    next_year_starts: Mapped[date] = mapped_column(Date, index=True)
