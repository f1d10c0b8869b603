"""Building the peer benchmarks of a release (called once by releases.create_release; the
design and why it cannot be differenced: app/reports/benchmarks.py).

Everything per member is computed in the database: its means per measure (a temporary table,
from the build's part sums) and, per group, measure and distinct mean, how many members have it
(one GROUP BY). Python turns those counts into the medians and into one stored rank per (group,
measure, distinct mean): the percentile a member with that mean has among the others. A
member's position is looked up at read time at its own stored mean (ReleaseMember.means), so no
row per member and group is written. Python also reads the few members that differ from an
earlier release, for the withholding rule.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import (
    Column,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    cast,
    func,
    insert,
    literal,
    or_,
    select,
    union_all,
)

from app.extensions import db
from app.models import (
    BenchmarkCell,
    BenchmarkPositionOverride,
    BenchmarkRank,
    ReleaseCell,
    ReleaseMember,
    ReportRelease,
)
from app.reports import cells as C
from app.reports import part_sums
from app.reports import weights as item_weights
from app.reports.benchmarks import OVERALL, measure_items, measures, peer_cells, share_below
from app.reports.disclosure import MIN_COMPANIES
from app.reports.part_sums import PartSums
from questionnaires import load_index

# Keys compared byte-wise on PostgreSQL: the joins and sorts over one row per member and measure
# would otherwise go through the database's locale collation (several times slower).
_KEY = String(48).with_variant(String(48, collation="C"), "postgresql")
_VALUES = Table(
    "tmp_benchmark_values",
    MetaData(),
    Column("assessment_id", Integer),
    Column("measure", _KEY),
    Column("value", Float),
    prefixes=["TEMPORARY"],
)
_MEMBERS = Table(
    "tmp_benchmark_members",
    MetaData(),
    Column("company_id", Integer),
    Column("assessment_id", Integer),
    Column("submission", Integer),
    Column("cell_key", _KEY),
    prefixes=["TEMPORARY"],
)


def _member_cells(release_id: int):
    """(company, assessment, submission, peer cell key) for every member of the release and
    each of its peer cells (as peer_cells: industry; size and region unless unknown; all)."""
    m = ReleaseMember.__table__.c
    kinds = (
        (literal(C.NATIONAL + "|i:") + m.jsic_division, None),
        (literal(C.NATIONAL + "|s:") + m.size_class, m.size_class != "unknown"),
        (literal("b:") + m.bureau_code, m.bureau_code != "unknown"),
        (literal(C.ALL), None),
    )
    parts = []
    for key, condition in kinds:
        part = select(m.company_id, m.assessment_id, m.submission, key.label("cell_key"))
        part = part.where(m.release_id == release_id)
        parts.append(part if condition is None else part.where(condition))
    return union_all(*parts).subquery("member_cells")


def _fill_values(release_id: int, index, sums: PartSums) -> None:
    """The temporary table of every member's mean current level per measure (only measures in
    which it answered something), read from the build's part sums (app/reports/part_sums.py):
    one SELECT per measure over one row per member, no pass over the answers. 'overall' is all
    of the assessment's answers."""
    m = ReleaseMember.__table__.c
    selects = []
    for measure, _items in measure_items(index):
        total, count = sums.columns(part_sums.ALL_ANSWERS if measure == OVERALL else measure)[:2]
        selects.append(
            select(
                sums.assessment_id,
                literal(measure).label("measure"),
                (cast(total, Float) / count).label("value"),
            )
            .join(ReleaseMember, m.assessment_id == sums.assessment_id)
            .where(m.release_id == release_id, count > 0)
        )
    _VALUES.create(db.session.connection())
    columns = ["assessment_id", "measure", "value"]
    db.session.execute(insert(_VALUES).from_select(columns, union_all(*selects)))
    item_weights.analyze(_VALUES.name)


def _fill_members(cells, groups) -> None:
    """The temporary table of the members of the groups (one row per member and group)."""
    _MEMBERS.create(db.session.connection())
    columns = ["company_id", "assessment_id", "submission", "cell_key"]
    query = select(*(cells.c[name] for name in columns)).where(cells.c.cell_key.in_(list(groups)))
    db.session.execute(insert(_MEMBERS).from_select(columns, query))
    item_weights.analyze(_MEMBERS.name)


def _distribution():
    """(cell key, measure) -> [(distinct mean, companies with it)], ascending, for the groups."""
    g, v = _MEMBERS.c, _VALUES.c
    query = (
        select(g.cell_key, v.measure, v.value, func.count())
        .join(_VALUES, v.assessment_id == g.assessment_id)
        .group_by(g.cell_key, v.measure, v.value)
        .order_by(g.cell_key, v.measure, v.value)
    )
    result: dict[tuple[str, str], list[tuple[float, int]]] = defaultdict(list)
    for key, measure, value, count in db.session.execute(query):
        result[(key, measure)].append((value, count))
    return result


def _median(counted: list[tuple[float, int]]) -> float | None:
    """statistics.median of the values that ``counted`` (ascending (value, count)) expands to."""
    n = sum(count for _value, count in counted)
    if not n:
        return None

    def at(position: int) -> float:
        for value, count in counted:
            if position < count:
                return value
            position -= count
        raise IndexError(position)

    if n % 2:
        return at(n // 2)
    return (at(n // 2 - 1) + at(n // 2)) / 2


def _ranks(counted: list[tuple[float, int]]):
    """(value, percentile of a member with that value among the others) for each distinct value;
    the same figure as percentile() over the expanded sorted list."""
    others = sum(count for _value, count in counted) - 1
    below = 0
    for value, count in counted:
        yield value, share_below(below, count - 1, others)
        below += count


def _changed_members(release: ReportRelease, earlier_id: int):
    """Members of the release and of an earlier one that differ (joined, left, resubmitted, or
    moved to other cells): company -> (its peer cells now, its peer cells then), each a dict
    cell -> submission (empty when not a member)."""
    m = ReleaseMember.__table__.c
    facts = (m.company_id, m.assessment_id, m.submission, m.bureau_code, m.jsic_division)
    now = select(*facts, m.size_class).where(m.release_id == release.id).subquery("now")
    then = select(*facts, m.size_class).where(m.release_id == earlier_id).subquery("then")
    differs = or_(
        now.c.company_id.is_(None),
        then.c.company_id.is_(None),
        *(now.c[name] != then.c[name] for name in list(now.c.keys())[1:]),
    )
    query = select(now, then).select_from(
        now.join(then, now.c.company_id == then.c.company_id, full=True)
    )
    result = {}
    for row in db.session.execute(query.where(differs)):
        sides = []
        for side in (row[:6], row[6:]):
            cid, aid, sub, bureau, industry, size = side
            cells = {} if cid is None else peer_cells(bureau, industry, size)
            sides.append({key: (aid, sub) for key in cells.values()})
        result[row[0] if row[0] is not None else row[6]] = tuple(sides)
    return result


@dataclass
class _Withheld:
    """Per group: whether a member's position is withheld by default, and the members for whom
    the rule gives the other answer (company -> withheld)."""

    default: bool = False
    overrides: dict[int, bool] = field(default_factory=dict)


def _withheld(release: ReportRelease, groups, k: int) -> dict[str, _Withheld]:
    """A member's position is withheld when the OTHER companies of a group changed by 1..k-1
    against an earlier release of the period that published the group (the member knows its
    own change): for a member that did not change, the others changed by ``total``; for one
    that did, by ``total - 1``. Members that changed against no earlier release share the
    group's default; only members that changed are looked at one by one."""
    earlier_ids = select(ReportRelease.id).where(
        ReportRelease.fiscal_year == release.fiscal_year,
        ReportRelease.index_version == release.index_version,
        ReportRelease.id < release.id,
    )
    published = defaultdict(set)
    for release_id, key in db.session.execute(
        select(ReleaseCell.release_id, ReleaseCell.cell_key).where(
            ReleaseCell.release_id.in_(earlier_ids),
            ReleaseCell.status == "published",
            ReleaseCell.cell_key.in_(list(groups)),
        )
    ):
        published[release_id].add(key)
    events: dict[str, list[tuple[frozenset[int], int]]] = defaultdict(list)
    for earlier_id, keys in sorted(published.items()):
        changes = _changed_members(release, earlier_id)
        for key in keys:
            changed = [c for c, (now, then) in changes.items() if now.get(key) != then.get(key)]
            mine = frozenset(c for c in changed if key in changes[c][0])  # still in the group
            events[key].append((mine, len(changed)))
    result = {}
    for key, seen in events.items():
        rule = _Withheld(default=any(0 < total < k for _mine, total in seen))
        for company in frozenset().union(*(mine for mine, _total in seen)):
            withheld = any(
                0 < total - 1 < k if company in mine else 0 < total < k for mine, total in seen
            )
            if withheld != rule.default:
                rule.overrides[company] = withheld
        result[key] = rule
    return result


def materialise(release: ReportRelease, sums: PartSums, k: int = MIN_COMPANIES) -> None:
    """Store the benchmarks of a release (the caller commits): medians of the published peer
    cells with at least k + 1 companies, and every member's percentiles in them. ``sums``: the
    build's part sums of the release's period and index version."""
    index = load_index(release.index_version)
    cells = _member_cells(release.id)
    sizes = db.session.execute(
        select(cells.c.cell_key, func.count()).group_by(cells.c.cell_key)
    ).all()
    published = set(
        db.session.scalars(
            select(ReleaseCell.cell_key).where(
                ReleaseCell.release_id == release.id, ReleaseCell.status == "published"
            )
        )
    )
    groups = {key: n for key, n in sizes if key in published and n - 1 >= k}
    if not groups:
        return
    _fill_members(cells, groups)
    _fill_values(release.id, index, sums)
    distribution = _distribution()
    cell_rows, ranks = [], []
    for key, n in groups.items():
        medians = {}
        for measure, _label in measures(index):
            counted = distribution.get((key, measure), [])
            medians[measure] = _median(counted)
            if sum(count for _value, count in counted) - 1 >= k:
                ranks += [
                    {
                        "release_id": release.id,
                        "cell_key": key,
                        "measure": measure,
                        "value": value,
                        "percentile": pct,
                    }
                    for value, pct in _ranks(counted)
                ]
        cell_rows.append(
            {"release_id": release.id, "cell_key": key, "companies": n, "medians": medians}
        )
    withheld = _withheld(release, groups, k)
    for row in cell_rows:
        rule = withheld.get(row["cell_key"], _Withheld())
        row |= {"positions_withheld": rule.default, "overrides": len(rule.overrides)}
    db.session.execute(insert(BenchmarkCell), cell_rows)
    if ranks:
        db.session.execute(insert(BenchmarkRank), ranks)
    overrides = [
        {"release_id": release.id, "cell_key": key, "company_id": company, "withheld": value}
        for key, rule in withheld.items()
        for company, value in rule.overrides.items()
    ]
    if overrides:
        db.session.execute(insert(BenchmarkPositionOverride), overrides)
    for table in (_MEMBERS, _VALUES):
        table.drop(db.session.connection())
