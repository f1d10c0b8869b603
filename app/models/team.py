from datetime import datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    DateTime,
    ForeignKey,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models._time import utcnow

TEAM_NOTE_MAX = 2000  # characters
# Stored codes of the perspectives a participant rates from (labels: app/team/services.py).
PERSPECTIVES = ("executive", "business", "dx_dept", "it_dept", "other")


class TeamRound(db.Model):
    """Team mode of one assessment (one fiscal year): participants give their own views before
    the company's answers (the consensus, in ``answers``) are set. Kept with the submitted year,
    so its views stay in the history; ``stopped_at`` closes it to further views."""

    __tablename__ = "team_rounds"

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("assessments.id", ondelete="CASCADE"), unique=True
    )
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    stopped_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    participants = relationship(
        "TeamParticipant", cascade="all, delete-orphan", order_by="TeamParticipant.id"
    )


class TeamParticipant(db.Model):
    """A company member asked to rate (some of) the items from one perspective."""

    __tablename__ = "team_participants"
    __table_args__ = (
        UniqueConstraint("round_id", "user_id"),
        CheckConstraint(
            "perspective IN ('executive','business','dx_dept','it_dept','other')",
            name="perspective",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("team_rounds.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    perspective: Mapped[str] = mapped_column(String(16))
    # The item ids asked; None means every item of the assessment's index version.
    item_ids: Mapped[list | None] = mapped_column(JSON)
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    mailed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The last reminder (the owner's button or `flask team remind`): at most one a day.
    reminded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    user = relationship("User")


class TeamInvitation(db.Model):
    """A company invitation that also makes its acceptor a participant of a round, with this
    perspective (someone who is not a member yet). Used once, with the invitation."""

    __tablename__ = "team_invitations"
    __table_args__ = (
        CheckConstraint(
            "perspective IN ('executive','business','dx_dept','it_dept','other')",
            name="perspective",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    invitation_id: Mapped[int] = mapped_column(
        ForeignKey("invitations.id", ondelete="CASCADE"), unique=True
    )
    round_id: Mapped[int] = mapped_column(
        ForeignKey("team_rounds.id", ondelete="CASCADE"), index=True
    )
    perspective: Mapped[str] = mapped_column(String(16))
    item_ids: Mapped[list | None] = mapped_column(JSON)  # as TeamParticipant.item_ids

    invitation = relationship("Invitation")


class TeamView(db.Model):
    """One participant's own view of one item. Never the company's answer: scores, exports,
    reports and the API read ``answers`` only."""

    __tablename__ = "team_views"
    __table_args__ = (
        UniqueConstraint("participant_id", "item_id"),
        CheckConstraint("current_level BETWEEN 0 AND 5", name="current_level"),
        CheckConstraint("target_level BETWEEN 0 AND 5", name="target_level"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("team_participants.id", ondelete="CASCADE")
    )
    item_id: Mapped[str] = mapped_column(String(16))
    current_level: Mapped[int | None]
    target_level: Mapped[int | None]
    note: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
