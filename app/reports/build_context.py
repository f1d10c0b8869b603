"""What releases.py hands to the figure builders registered in app/reports/builders.py: the
release being made, its counted companies and the cells it decided, and the earlier releases of
the same period (their members and published cells) for the builders' own disclosure passes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from app.models import ReportRelease
from app.reports import cells as C
from app.reports.disclosure import Earlier


@dataclass(frozen=True)
class BuildContext:
    release: ReportRelease
    members: Sequence[C.Member]
    cell_members: Mapping[str, Mapping[int, tuple]]  # main cell key -> company -> submission
    publish: frozenset[str]  # main cells published afresh in this release
    earlier: Sequence[Earlier]  # earlier releases of the period, oldest first
    earlier_ids: Sequence[int]  # their ids, in the same order
    latest: Mapping[str, tuple[int, dict]]  # cell key -> (release id, figures) last published
    index: object  # questionnaires.Index of the release's version
