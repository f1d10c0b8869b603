from sqlalchemy import BigInteger, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db


class SubmissionPartSums(db.Model):
    """One submitted assessment's sums of levels over the parts of its index, written in the
    submit transaction (app/reports/submission_sums.py) so that a report release reads one row
    per assessment instead of aggregating its ~35 answer rows. A row describes the submission
    ``submission`` (the assessment's version counter when submitted) packed with ``layout``;
    a release build ignores a row whose submission or layout is not the assessment's current one,
    and computes that assessment's sums from its answers instead (and stores them)."""

    __tablename__ = "submission_part_sums"

    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("assessments.id", ondelete="CASCADE"), primary_key=True
    )
    submission: Mapped[int] = mapped_column(Integer)
    layout: Mapped[str] = mapped_column(String(40))  # the fields' fingerprint (submission_sums)
    # every answer row of the assessment: sum and count of current, then of target levels
    all_cs: Mapped[int] = mapped_column(BigInteger)
    all_cn: Mapped[int] = mapped_column(BigInteger)
    all_ts: Mapped[int] = mapped_column(BigInteger)
    all_tn: Mapped[int] = mapped_column(BigInteger)
    # the same per atom of the index's parts, packed in bit fields (app/reports/part_sums.py)
    cs: Mapped[int] = mapped_column(BigInteger)
    cn: Mapped[int] = mapped_column(BigInteger)
    ts: Mapped[int] = mapped_column(BigInteger)
    tn: Mapped[int] = mapped_column(BigInteger)
    # every item's current (cl*) and target (tl*) level + 1 in 3-bit fields, 20 items a word
    # (app/reports/packing.py, ItemLevels); NULL for an index with more items than that
    cl0: Mapped[int | None] = mapped_column(BigInteger)
    cl1: Mapped[int | None] = mapped_column(BigInteger)
    tl0: Mapped[int | None] = mapped_column(BigInteger)
    tl1: Mapped[int | None] = mapped_column(BigInteger)
