"""Figures a release adds beyond its cells' own, registered once: releases.py calls every
builder after the cells are decided; each decides its sub-cells through
app/reports/disclosure.py and returns ReleaseCell rows (keys with its own prefix) to store."""

from __future__ import annotations

from app.reports import kpi_figures, panel
from app.reports.build_context import BuildContext

BUILDERS = (panel.build, kpi_figures.build)
# For the release check: each gives, for its cells of a stored release, whether the cell's
# members then equal those of a live recomputation, and the live figures.
RECOMPUTERS = (panel.recompute, kpi_figures.recompute)


def extra_cells(context: BuildContext) -> list[dict]:
    rows: list[dict] = []
    for build in BUILDERS:
        rows += build(context)
    return rows


def recomputed(context: BuildContext, release_id: int) -> dict[str, tuple[bool, dict | None]]:
    result: dict[str, tuple[bool, dict | None]] = {}
    for recompute in RECOMPUTERS:
        result |= recompute(context, release_id)
    return result
