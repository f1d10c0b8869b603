from sqlalchemy import JSON, ForeignKey, Index, Integer, String
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


class BenchmarkPosition(db.Model):
    """Where one member company of a release stood in one peer group: per measure the share of
    the OTHER companies of the group below it (percentile, ties counted half). Only stored when
    the group held enough other companies; fixed at release time (never recomputed per view)."""

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
