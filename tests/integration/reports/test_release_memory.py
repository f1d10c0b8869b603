"""Memory of the release build (bench/README.md "Release build's memory"): per-member rows are
read in batches, not all at once, and a panel company's two submissions are one object shared by
all its panel cells. The stored rows are the same either way (checked by bench/release_dump.py);
these tests pin the two mechanisms."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from app.extensions import db
from app.reports import cells as C
from app.reports import panel
from app.reports.build_context import stored_cell_members
from app.reports.releases import create_release
from questionnaires import DEFAULT_VERSION

SMALL = {"jsic": "E", "employees": 10, "capital_yen": 5_000_000}


def _panel_of_six(submitted, release):
    companies = [submitted("13", 2, 3, year=2024, **SMALL) for _ in range(6)]
    release(2024)
    for company in companies:
        submitted("13", 3, 4, year=2025, company=company)
    return companies


def test_a_panel_company_has_one_submission_object_in_all_its_panel_cells(app, submitted, release):
    companies = _panel_of_six(submitted, release)
    release_id = release(2025)
    cells = stored_cell_members([release_id])[release_id]
    pairs = panel.stored_pairs_with_versions(release_id)
    members = panel._panel_members(cells, pairs)
    for company in companies:
        held = [
            m[company.id]
            for key, m in members.items()
            if key.startswith(panel.PANEL) and company.id in m
        ]
        assert len(held) == len(C.cells_for("kanto", "13", "E", "small", "repeat"))
        assert all(value is held[0] for value in held)  # one tuple, not one per cell
        # (this year's, the previous year's submission)
        assert held[0][1] == pairs[company.id][:2]


def test_per_member_reads_go_through_a_server_side_cursor(app, submitted, release):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("server-side cursors: PostgreSQL (SQLite's cursor reads lazily anyway)")
    _panel_of_six(submitted, release)
    seen = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append((type(cursor).__name__, " ".join(statement.split())))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        create_release(2025, DEFAULT_VERSION)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    per_member = {
        "members' facts and sums": lambda s: "JOIN companies" in s and "tmp_part_sums" in s,
        # the previous year's release against the panel: the companies that differ
        # (panel._previous_year_overlays), as many as its members at most
        "previous year's changed members": lambda s: "members_then" in s,
        # the panel's packed sums of both years, one row per panel member, summed in chunks
        # (panel_figures.summed_figures_by_cell, app/reports/panel_sums.py)
        "panel members' sums": lambda s: "previous_sums" in s,
    }
    for name, matches in per_member.items():
        cursors = {cursor for cursor, statement in seen if matches(statement)}
        assert cursors == {"ServerCursor"}, name
