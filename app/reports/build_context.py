"""What releases.py hands to the figure builders registered in app/reports/builders.py: the
release being made, its counted companies and the cells it decided, and the earlier releases of
the same period (their members and published cells) for the builders' own disclosure passes.

Memory: at national scale a release has ~1M members, so the build never holds a list of them.
Per-member rows are read in batches (app/reports/streamed.py), and what the disclosure passes need
is kept as one dict per cell (company -> submission, the submission object shared by every cell
of the company)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import select

from app.models import ReleaseMember, ReportRelease
from app.reports import cells as C
from app.reports.disclosure import Earlier
from app.reports.part_sums import PartSums
from app.reports.streamed import streamed


@dataclass(frozen=True)
class BuildContext:
    release: ReportRelease
    cell_members: Mapping[str, Mapping[int, tuple]]  # main cell key -> company -> submission
    publish: frozenset[str]  # main cells published afresh in this release
    earlier: Sequence[Earlier]  # earlier releases of the period, oldest first
    earlier_ids: Sequence[int]  # their ids, in the same order
    latest: Mapping[str, tuple[int, dict]]  # cell key -> (release id, figures) last published
    index: object  # questionnaires.Index of the release's version
    part_sums: PartSums  # per-assessment sums over the index's parts (app/reports/part_sums.py)

    def members(self) -> Iterator[C.Member]:
        """The release's counted companies, as stored (streamed: never a list of them)."""
        return (member for _rid, member in stored_members([self.release.id]))


def cells_from(members: Iterable[C.Member]) -> dict[str, dict[int, tuple]]:
    """Main cell key (every cell of app/reports/cells.py) -> company -> submission."""
    cells: dict[str, dict[int, tuple]] = {key: {} for key in C.all_cells()}
    for m in members:
        for key in C.cells_of(m):
            cells.setdefault(key, {})[m.company_id] = m.submission
    return cells


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
    for rid, cid, aid, sub, bureau, prefecture, industry, size, cohort in streamed(query):
        yield rid, C.Member(cid, (aid, sub), bureau, prefecture, industry, size, cohort)


def stored_cell_members(release_ids) -> dict[int, dict[str, dict[int, tuple]]]:
    """Release -> main cell -> company -> submission, from the stored release members (for a
    builder comparing with releases outside ``earlier``, and for the release check); every
    cell of app/reports/cells.py is a key (empty when it has no member)."""
    return {
        rid: cells_from(member for _rid, member in stored_members([rid])) for rid in release_ids
    }
