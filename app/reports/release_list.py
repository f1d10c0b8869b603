"""The releases an administrator sees on the release page: date, who, counted companies and
how many cells each release published, carried forward and suppressed (one GROUP BY)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from app.extensions import db
from app.models import ReleaseCell, ReportRelease, User
from app.reports.panel import PANEL


@dataclass(frozen=True)
class ReleaseRow:
    id: int
    fiscal_year: int
    index_version: str
    released_at: datetime
    released_by: str | None
    companies: int
    published: int
    carried: int
    suppressed: int
    panel_published: int


def release_rows(limit: int = 100) -> list[ReleaseRow]:
    """The latest releases, newest first, with their cell counts by status (the panel's
    published cells counted apart: they are sub-cells of the same cells)."""
    releases = db.session.execute(
        select(
            ReportRelease.id,
            ReportRelease.fiscal_year,
            ReportRelease.index_version,
            ReportRelease.released_at,
            func.coalesce(User.display_name, User.email),
            ReportRelease.companies,
        )
        .outerjoin(User, User.id == ReportRelease.released_by_id)
        .order_by(ReportRelease.id.desc())
        .limit(limit)
    ).all()
    if not releases:
        return []
    is_panel = ReleaseCell.cell_key.startswith(PANEL)
    counts: dict[tuple[int, str, bool], int] = {}
    for release_id, status, panel, n in db.session.execute(
        select(ReleaseCell.release_id, ReleaseCell.status, is_panel, func.count())
        .where(ReleaseCell.release_id.in_([r[0] for r in releases]))
        .group_by(ReleaseCell.release_id, ReleaseCell.status, is_panel)
    ):
        counts[(release_id, status, bool(panel))] = n
    return [
        ReleaseRow(
            *row,
            published=counts.get((row[0], "published", False), 0),
            carried=counts.get((row[0], "carried", False), 0),
            suppressed=counts.get((row[0], "suppressed", False), 0),
            panel_published=counts.get((row[0], "published", True), 0),
        )
        for row in releases
    ]
