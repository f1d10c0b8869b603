"""Building the peer benchmarks of a release (called once by releases.create_release; the
design and why it cannot be differenced: app/reports/benchmarks.py).

Per member everything is computed in the database: its means per measure (a temporary table),
its percentiles (joined from one rank per group, measure and distinct mean) and its stored row
with the JSON (one INSERT ... SELECT). Python sees one row per (group, measure, distinct mean),
and the few members that differ from an earlier release.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import (
    Column,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    and_,
    cast,
    delete,
    func,
    insert,
    literal,
    literal_column,
    or_,
    select,
    union_all,
)

from app.extensions import db
from app.models import (
    BenchmarkCell,
    BenchmarkPosition,
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
_RANKS = Table(
    "tmp_benchmark_ranks",
    MetaData(),
    Column("cell_key", _KEY),
    Column("measure", _KEY),
    Column("value", Float),
    Column("percentile", Integer),
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


def _withhold(release: ReportRelease, groups, k: int) -> None:
    """Delete the positions of members for whom the OTHER companies of a group changed by 1..k-1
    against an earlier release of the period that published the group (the member knows its
    own change). Only differing members are read: those left alone share one count."""
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
    p = BenchmarkPosition.__table__.c
    for earlier_id, keys in sorted(published.items()):
        changes = _changed_members(release, earlier_id)
        for key in sorted(keys):
            changed = [c for c, (now, then) in changes.items() if now.get(key) != then.get(key)]
            total = len(changed)  # difference(now, then) of the group
            mine = [c for c in changed if key in changes[c][0]]  # changed members of the group
            here = (p.release_id == release.id) & (p.cell_key == key)
            if 0 < total < k:  # members that did not change: the others changed by `total`
                db.session.execute(delete(BenchmarkPosition).where(here, p.company_id.not_in(mine)))
            if 0 < total - 1 < k and mine:  # a changed member: the others changed by total - 1
                db.session.execute(delete(BenchmarkPosition).where(here, p.company_id.in_(mine)))


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
                    {"cell_key": key, "measure": measure, "value": value, "percentile": pct}
                    for value, pct in _ranks(counted)
                ]
        cell_rows.append(
            {"release_id": release.id, "cell_key": key, "companies": n, "medians": medians}
        )
    db.session.execute(insert(BenchmarkCell), cell_rows)
    _RANKS.create(db.session.connection())
    if ranks:
        db.session.execute(insert(_RANKS), ranks)
        item_weights.analyze(_RANKS.name)
    _insert_positions(release.id)
    _withhold(release, groups, k)
    for table in (_MEMBERS, _VALUES, _RANKS):
        table.drop(db.session.connection())


def _insert_positions(release_id: int) -> None:
    """One row per member and group: its percentiles as JSON built by the database."""
    g, v, r = _MEMBERS.c, _VALUES.c, _RANKS.c
    if db.session.get_bind().dialect.name == "postgresql":
        pairs = func.json_object_agg(r.measure, r.percentile)
    else:
        pairs = func.json_group_object(r.measure, r.percentile)
    percentiles = func.coalesce(pairs.filter(r.percentile.is_not(None)), literal_column("'{}'"))
    member = (g.company_id, g.cell_key, g.assessment_id, g.submission)
    query = (
        select(literal(release_id), *member, percentiles)
        .select_from(_MEMBERS)
        .join(_VALUES, v.assessment_id == g.assessment_id, isouter=True)
        .join(
            _RANKS,
            and_(r.cell_key == g.cell_key, r.measure == v.measure, r.value == v.value),
            isouter=True,
        )
        .group_by(*member)
    )
    columns = ["release_id", "company_id", "cell_key", "assessment_id", "submission", "percentiles"]
    db.session.execute(insert(BenchmarkPosition).from_select(columns, query))
