from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models._time import utcnow


class ReportRelease(db.Model):
    """A dated release of the bureau reports for one fiscal year and index version: the only
    figures bureau pages and downloads show (app/reports/disclosure.py explains why)."""

    __tablename__ = "report_releases"
    __table_args__ = (Index("ix_report_releases_period", "fiscal_year", "index_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    fiscal_year: Mapped[int]
    index_version: Mapped[str] = mapped_column(String(32))
    released_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    released_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    companies: Mapped[int] = mapped_column(Integer, default=0)


class ReleaseMember(db.Model):
    """Which submission of which company a release counted, and in which cells: kept to compare
    the next release's cells with this one's. Never shown."""

    __tablename__ = "report_release_members"

    # No foreign key (migration 9e4b7d2c1a60): only the release build writes these rows, ~100k a
    # release, in the transaction that creates the release, and PostgreSQL would look the
    # release up once per row. The app never deletes a release; code that does (the benchmarks'
    # bench.reports.delete_releases) deletes its members, panel members and benchmark ranks too.
    release_id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int]
    submission: Mapped[int]  # the assessment's version counter at release time
    bureau_code: Mapped[str] = mapped_column(String(16))
    prefecture_code: Mapped[str] = mapped_column(String(2))
    jsic_division: Mapped[str] = mapped_column(String(1))
    size_class: Mapped[str] = mapped_column(String(16))
    cohort: Mapped[str] = mapped_column(String(8))
    # The company's mean current level per peer-benchmark measure, in benchmarks.measures()
    # order (None: nothing answered in it), as counted; NULL in releases made before them.
    means: Mapped[list | None] = mapped_column(JSON)


class ReleaseCell(db.Model):
    """One cell of a release: published afresh, the earlier published value carried forward
    (source_release_id), or suppressed (no figures)."""

    __tablename__ = "report_release_cells"
    __table_args__ = (UniqueConstraint("release_id", "cell_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    release_id: Mapped[int] = mapped_column(
        ForeignKey("report_releases.id", ondelete="CASCADE"), index=True
    )
    cell_key: Mapped[str] = mapped_column(String(48))
    status: Mapped[str] = mapped_column(String(16))  # published | carried | suppressed
    source_release_id: Mapped[int | None] = mapped_column(
        ForeignKey("report_releases.id", ondelete="SET NULL")
    )
    figures: Mapped[dict | None] = mapped_column(JSON)


class ReleasePanelMember(db.Model):
    """A release's panel (app/reports/panel.py): a counted company that also has a submitted
    assessment of the previous fiscal year, and which submission of that year was compared.
    Kept to compare the next release's panel cells with this one's. Never shown."""

    __tablename__ = "report_release_panel_members"

    release_id: Mapped[int] = mapped_column(primary_key=True)  # no foreign key: ReleaseMember
    company_id: Mapped[int] = mapped_column(primary_key=True)
    previous_assessment_id: Mapped[int]
    previous_submission: Mapped[int]  # the previous year's version counter at release time
    previous_index_version: Mapped[str] = mapped_column(String(32))


class ReleaseKpiMember(db.Model):
    """A release's quantitative indicators (app/reports/kpi_figures.py): for a counted company,
    each example indicator it had chosen at release time ('own' for its own indicators) and its
    status then. Kept so a published figure never follows a later change, and to compare the
    next release's indicator cells with this one's. Never shown."""

    __tablename__ = "report_release_kpi_members"

    release_id: Mapped[int] = mapped_column(
        ForeignKey("report_releases.id", ondelete="CASCADE"), primary_key=True
    )
    company_id: Mapped[int] = mapped_column(primary_key=True)
    example: Mapped[str] = mapped_column(String(16), primary_key=True)
    status: Mapped[str] = mapped_column(String(16))
