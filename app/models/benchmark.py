from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, false
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db


class BenchmarkCell(db.Model):
    """The peer-group medians of one published cell of a report release (overall, framework and
    group means of its companies), materialised with the release (app/reports/benchmarks.py)."""

    __tablename__ = "benchmark_cells"

    release_id: Mapped[int] = mapped_column(
        ForeignKey("report_releases.id", ondelete="CASCADE"), primary_key=True
    )
    cell_key: Mapped[str] = mapped_column(String(48), primary_key=True)
    companies: Mapped[int] = mapped_column(Integer)
    medians: Mapped[dict] = mapped_column(JSON)  # measure -> median of the companies' means
    # Whether a member's position in this group is withheld (the other companies changed by
    # 1..k-1 against an earlier release), unless a BenchmarkPositionOverride says otherwise.
    positions_withheld: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    overrides: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class BenchmarkRank(db.Model):
    """Per published peer group and measure, for each distinct mean of its member companies,
    the percentile a member with that mean has among the OTHER members (ties counted half).
    Stored only where the measure has k other companies. Read only at a member's own stored
    mean (ReleaseMember.means): see app/reports/benchmarks.py for why that keeps the design."""

    __tablename__ = "benchmark_ranks"

    # no foreign key, as app/models/report_release.py ReleaseMember says why
    release_id: Mapped[int] = mapped_column(primary_key=True)
    cell_key: Mapped[str] = mapped_column(String(48), primary_key=True)
    measure: Mapped[str] = mapped_column(String(48), primary_key=True)
    value: Mapped[float] = mapped_column(Float, primary_key=True)
    percentile: Mapped[int] = mapped_column(Integer)


class BenchmarkPositionOverride(db.Model):
    """A member whose position in a group is withheld (or shown) against the group's default
    (BenchmarkCell.positions_withheld): the few members that changed against an earlier
    release, for whom the count of OTHER companies that changed differs by their own change."""

    __tablename__ = "benchmark_position_overrides"

    release_id: Mapped[int] = mapped_column(
        ForeignKey("report_releases.id", ondelete="CASCADE"), primary_key=True
    )
    cell_key: Mapped[str] = mapped_column(String(48), primary_key=True)
    company_id: Mapped[int] = mapped_column(primary_key=True)
    withheld: Mapped[bool] = mapped_column(Boolean)


class BenchmarkPosition(db.Model):
    """Where one member company of a release stood in one peer group: per measure the share of
    the OTHER companies of the group below it (percentile, ties counted half). Written only by
    releases made before migration 7c4e2a9b1d53 (their members have no stored means); later
    releases store BenchmarkRank rows instead, and the reader looks the position up there."""

    __tablename__ = "benchmark_positions"
    __table_args__ = (Index("ix_benchmark_positions_company", "company_id", "assessment_id"),)

    release_id: Mapped[int] = mapped_column(
        ForeignKey("report_releases.id", ondelete="CASCADE"), primary_key=True
    )
    company_id: Mapped[int] = mapped_column(primary_key=True)
    cell_key: Mapped[str] = mapped_column(String(48), primary_key=True)
    assessment_id: Mapped[int]
    submission: Mapped[int]
    percentiles: Mapped[dict] = mapped_column(JSON)  # measure -> 0..100
