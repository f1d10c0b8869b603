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

from sqlalchemy import or_, select

from app.models import ReleaseMember, ReportRelease
from app.reports import cells as C
from app.reports.disclosure import Earlier
from app.reports.overlay import OverlaidCells
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


# a stored member's columns that decide its cells and submission
FACTS = (
    "company_id",
    "assessment_id",
    "submission",
    "bureau_code",
    "prefecture_code",
    "jsic_division",
    "size_class",
    "cohort",
)


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
    query = select(m.release_id, *(m[name] for name in FACTS))
    for rid, *facts in streamed(query.where(m.release_id.in_(list(release_ids)))):
        yield rid, stored_member(facts)


def stored_cell_members(release_ids) -> dict[int, dict[str, dict[int, tuple]]]:
    """Release -> main cell -> company -> submission, from the stored release members (for a
    builder comparing with releases outside ``earlier``, and for the release check); every
    cell of app/reports/cells.py is a key (empty when it has no member)."""
    return {rid: _stored_cells(rid) for rid in release_ids}


def _stored_cells(release_id: int) -> dict[str, dict[int, tuple]]:
    """cells_from(the release's stored members), from their rows as read (no C.Member each)."""
    m = ReleaseMember.__table__.c
    query = select(*(m[name] for name in FACTS)).where(m.release_id == release_id)
    cells: dict[str, dict[int, tuple]] = {key: {} for key in C.all_cells()}
    for cid, aid, sub, *facts in streamed(query):
        submission = (aid, sub)
        for key in C.cells_for(*facts):
            cells.setdefault(key, {})[cid] = submission
    return cells


def changed_members(release_id: int, earlier_id: int):
    """Company -> (its C.Member in release ``release_id``, in release ``earlier_id``), None where
    it is not a member, for the companies that differ between the two (joined, left,
    resubmitted or moved to other cells): one join of the two releases' stored members."""
    m = ReleaseMember.__table__.c
    now = select(*(m[name] for name in FACTS)).where(m.release_id == release_id).subquery("now")
    then = select(*(m[name] for name in FACTS)).where(m.release_id == earlier_id).subquery("then")
    differs = or_(
        now.c.company_id.is_(None),
        then.c.company_id.is_(None),
        *(now.c[name].is_distinct_from(then.c[name]) for name in FACTS[1:]),
    )
    query = (
        select(now, then)
        .select_from(now.join(then, now.c.company_id == then.c.company_id, full=True))
        .where(differs)
    )
    width = len(FACTS)
    result = {}
    for row in streamed(query):
        sides = (stored_member(row[:width]), stored_member(row[width:]))
        result[row[0] if row[0] is not None else row[width]] = sides
    return result


def stored_member(facts) -> C.Member | None:
    cid, aid, sub, bureau, prefecture, industry, size, cohort = facts
    if cid is None:
        return None
    return C.Member(cid, (aid, sub), bureau, prefecture, industry, size, cohort)


def member_entries(member: C.Member | None) -> dict[str, tuple]:
    """A member's main cells -> its submission (none for no member)."""
    if member is None:
        return {}
    return dict.fromkeys(C.cells_of(member), member.submission)


def overlaid_cells(now, release_id: int, earlier_id: int) -> OverlaidCells:
    """The main cell members of release ``earlier_id``, told against ``now`` (those of release
    ``release_id``): see app/reports/overlay.py."""
    changed = {
        cid: (member_entries(mine_now), member_entries(mine_then))
        for cid, (mine_now, mine_then) in changed_members(release_id, earlier_id).items()
    }
    return OverlaidCells(now, changed)
