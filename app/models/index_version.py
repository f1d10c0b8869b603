from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models._time import utcnow


class IndexVersion(db.Model):
    """An index version known to the database.

    A version loaded with `flask index load FILE` keeps its validated file text in
    ``definition`` (with its SHA-256 ``digest``); a row with ``definition`` NULL only holds the
    administrator's settings for a version packaged under questionnaires/. ``active`` versions
    may be chosen when a company starts a year; the one row with ``is_default`` is used for new
    assessments (no such row: the INDEX_VERSION setting). A stored definition is immutable once
    an assessment uses its version (app/indexes/services.py)."""

    __tablename__ = "index_versions"

    version_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    title: Mapped[str | None] = mapped_column(String(200))
    definition: Mapped[str | None] = mapped_column(Text)
    digest: Mapped[str | None] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    loaded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class IndexMapping(db.Model):
    """An item mapping between two index versions (questionnaires/mapping.py), loaded with
    `flask index load-mapping FILE`: year-over-year changes continue through it item by item."""

    __tablename__ = "index_mappings"

    from_version: Mapped[str] = mapped_column(String(32), primary_key=True)
    to_version: Mapped[str] = mapped_column(String(32), primary_key=True)
    definition: Mapped[str] = mapped_column(Text)
    digest: Mapped[str] = mapped_column(String(64))
    loaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
