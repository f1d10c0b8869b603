from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models._time import utcnow

REVIEW_COMMENT_MAX = 2000  # characters


class ItemRating(db.Model):
    """An advisor's own view of one item of one assessment: the current level (0-5) and
    whether the evidence was checked (with the date). Never touches the company's answer.

    ``answer_updated_at`` and ``answer_fingerprint`` record the answer the rating was made on,
    so a later edit of the item shows the rating as made on an earlier answer (the questionnaire
    rewrites ``updated_at`` of every item of a saved step, so the fingerprint of the answer's
    content decides).
    """

    __tablename__ = "item_ratings"
    __table_args__ = (
        UniqueConstraint("assessment_id", "item_id", "advisor_id"),
        CheckConstraint("level IS NULL OR level BETWEEN 0 AND 5", name="level"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"))
    item_id: Mapped[str] = mapped_column(String(16))
    advisor_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    level: Mapped[int | None]
    evidence_checked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    answer_updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    answer_fingerprint: Mapped[str | None] = mapped_column(String(64))
    rated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    advisor = relationship("User")


class ReviewComment(db.Model):
    """A comment in the thread of one item of one assessment. A comment without a parent is a
    review point (opened by an advisor with comment rights); replies point to it. Owners and
    editors may mark a point resolved."""

    __tablename__ = "review_comments"
    __table_args__ = (Index("ix_review_comments_assessment_item", "assessment_id", "item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"))
    item_id: Mapped[str] = mapped_column(String(16))
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("review_comments.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    author = relationship("User", foreign_keys=[author_id])
    resolved_by = relationship("User", foreign_keys=[resolved_by_id])
