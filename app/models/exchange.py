from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models._time import utcnow


class ImportUpload(db.Model):
    """A validated Excel import waiting for the user's confirmation (app/exchange/).

    The parsed answers and the values they replace are kept here, under a random token that
    only this user may use, for this company; the confirmation applies them from here, so the
    client never re-posts the workbook. ``applied_at`` is set once, by a conditional UPDATE in
    the applying transaction, so a double submit applies once.
    """

    __tablename__ = "import_uploads"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    fiscal_year: Mapped[int]
    index_version: Mapped[str] = mapped_column(String(32))
    filename: Mapped[str] = mapped_column(String(255))
    payload: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    applied_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    assessment_id: Mapped[int | None] = mapped_column(
        ForeignKey("assessments.id", ondelete="SET NULL")
    )
