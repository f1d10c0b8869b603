"""What releases.py hands to the figure builders registered in app/reports/builders.py: the
release being made, its counted companies and the cells it decided, and the earlier releases of
the same period (their members and published cells) for the builders' own disclosure passes."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import select

from app.extensions import db
from app.models import ReleaseMember, ReportRelease
from app.reports import cells as C
from app.reports.disclosure import Earlier
from app.reports.part_sums import PartSums


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
    part_sums: PartSums  # per-assessment sums over the index's parts (app/reports/part_sums.py)


def stored_members(release_ids):
    """(release id, C.Member) for every stored member of the releases (plain rows, no ORM
    objects: ~100k per release at national scale)."""
    m = ReleaseMember.__table__.c
    query = select(
        m.release_id,
        m.company_id,
        m.assessment_id,
        m.submission,
        m.bureau_code,
        m.prefecture_code,
        m.jsic_division,
        m.size_class,
        m.cohort,
    ).where(m.release_id.in_(list(release_ids)))
    for rid, cid, aid, sub, bureau, prefecture, industry, size, cohort in db.session.execute(query):
        yield rid, C.Member(cid, (aid, sub), bureau, prefecture, industry, size, cohort)


def stored_cell_members(release_ids) -> dict[int, dict[str, dict[int, tuple]]]:
    """Release -> main cell -> company -> submission, from the stored release members (for a
    builder comparing with releases outside ``earlier``, and for the release check)."""
    result: dict[int, dict[str, dict[int, tuple]]] = defaultdict(lambda: defaultdict(dict))
    for release_id, member in stored_members(release_ids):
        cells = result[release_id]
        for key in C.cells_of(member):
            cells[key][member.company_id] = member.submission
    return result
