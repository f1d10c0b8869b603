from datetime import date, datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models._time import utcnow

EVIDENCE_MAX = 2000  # characters, for evidence and for planned action


class Assessment(db.Model):
    """One company's self-assessment for one fiscal year, made with one index version."""

    __tablename__ = "assessments"
    __table_args__ = (
        UniqueConstraint("company_id", "fiscal_year"),
        CheckConstraint("status IN ('draft','submitted')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    fiscal_year: Mapped[int]
    index_version: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="draft")
    # Moves on every accepted change of status (submit, reopen); guards against double submits.
    version: Mapped[int] = mapped_column(Integer, default=1)
    profile_confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    prefilled_from_id: Mapped[int | None] = mapped_column(
        ForeignKey("assessments.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Score snapshot taken at submit time (scoring.ScoreCard.to_dict()); never recomputed.
    scores: Mapped[dict | None] = mapped_column(JSON)
    scoring_version: Mapped[str | None] = mapped_column(String(16))
    # Set when answers of an earlier fiscal year were brought in from an Excel workbook
    # (app/exchange/): the year is shown as 取込 and, once submitted, counts like any other.
    imported_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The submission deadline the owners were last reminded of while this year was a draft
    # (`flask remind-drafts`), so each deadline is mailed about once.
    draft_reminder_sent_for: Mapped[date | None] = mapped_column(Date)

    company = relationship("Company", back_populates="assessments")
    answers = relationship("Answer", back_populates="assessment", cascade="all, delete-orphan")
    step_states = relationship("StepState", cascade="all, delete-orphan")
    revisions = relationship(
        "AssessmentRevision", cascade="all, delete-orphan", order_by="AssessmentRevision.number"
    )


class Answer(db.Model):
    """One row per (assessment, item): item ids from the index file are stable forever."""

    __tablename__ = "answers"
    __table_args__ = (
        UniqueConstraint("assessment_id", "item_id"),
        CheckConstraint("current_level BETWEEN 0 AND 5", name="current_level"),
        CheckConstraint("target_level BETWEEN 0 AND 5", name="target_level"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"))
    item_id: Mapped[str] = mapped_column(String(16))
    current_level: Mapped[int | None]
    target_level: Mapped[int | None]
    evidence: Mapped[str] = mapped_column(Text, default="")
    action: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    assessment = relationship("Assessment", back_populates="answers")


class StepState(db.Model):
    """Save state of one questionnaire step; its version detects two tabs editing one step."""

    __tablename__ = "step_states"

    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("assessments.id", ondelete="CASCADE"), primary_key=True
    )
    step_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    saved_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    saved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class AssessmentRevision(db.Model):
    """A submitted version kept in history when the assessment is reopened."""

    __tablename__ = "assessment_revisions"
    __table_args__ = (UniqueConstraint("assessment_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"))
    number: Mapped[int]
    index_version: Mapped[str] = mapped_column(String(32))
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    answers: Mapped[list] = mapped_column(JSON)
    scores: Mapped[dict | None] = mapped_column(JSON)
    scoring_version: Mapped[str | None] = mapped_column(String(16))
    reopened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    reopened_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class StashedPost(db.Model):
    """A step POST that arrived after the session expired, kept so that nothing typed is lost.

    It is offered back once (pre-filled, shown as an unsaved restored draft) to the same user
    after they log in again, and deleted when shown, when the step is saved, or after a day.
    """

    __tablename__ = "stashed_posts"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    # Always the member whose expired session posted it (see app/assessments/stash.py).
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"))
    step_id: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
