"""Figures a release adds beyond its cells' own, registered once: releases.py calls every
builder after the cells are decided; each decides its sub-cells through
app/reports/disclosure.py and returns ReleaseCell rows (keys with its own prefix) to store."""

from __future__ import annotations

from app.reports import panel
from app.reports.build_context import BuildContext

BUILDERS = (panel.build,)


def extra_cells(context: BuildContext) -> list[dict]:
    rows: list[dict] = []
    for build in BUILDERS:
        rows += build(context)
    return rows
