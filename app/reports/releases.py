"""Making a report release: the only place that reads live answers for the bureau reports.

A release (ReportRelease) for one fiscal year and index version stores, for every cell of
app/reports/cells.py, either its figures (published), the figures of the latest earlier release
that published it (carried, shown as 前回公表値), or nothing (suppressed); the choice is
app/reports/disclosure.py's. The database gives one row per submitted assessment with its sums
of levels per part and its items' levels packed in a few integers (kept since its submit,
app/reports/submission_sums.py); Python adds those up per combination of cells (the level counts
per item: app/reports/item_counts.py) and counts company means for the medians. (An index too
wide for the packed forms is aggregated from the answers with GROUP BY instead.)

Memory: the counted companies are read once, streamed (app/reports/build_context.py), and each
is turned into what the later steps need before the next is read: its stored member row
(inserted in batches), its entries in the cells' member dicts (for the disclosure passes) and
one shared row of its means in every cell it belongs to (for the medians). No list of company
objects is kept; the builders read the stored members again when they need them.
"""

from __future__ import annotations

import gc
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from sqlalchemy import exists, func, select, tuple_
from sqlalchemy.orm import aliased

from app.extensions import db
from app.models import Answer, Assessment, Company, ReleaseCell, ReleaseMember, ReportRelease
from app.reports import benchmark_build, part_sums
from app.reports import cells as C
from app.reports import weights as item_weights
from app.reports.build_context import (
    FACTS,
    BuildContext,
    cells_from,
    overlaid_cells,
    stored_cell_members,
)
from app.reports.builders import extra_cells, recomputed
from app.reports.bulk import insert_rows
from app.reports.disclosure import Earlier, publishable
from app.reports.item_counts import ItemCounter
from app.reports.leading import leading_rule
from app.reports.part_sums import PartSums
from app.reports.stats import Summary, counted, share
from app.reports.streamed import streamed
from questionnaires import load_index, reference
from scoring import is_leading

LEVELS = range(6)


class ReleaseError(Exception):
    pass


class _Company(NamedTuple):
    """One counted company as the build files it (a tuple: ~100k are made per build)."""

    member: C.Member
    # current and target mean overall, then of each framework (in the index's order): what the
    # cells' summaries are taken over, once per company instead of once per cell
    means: tuple[float | None, ...]
    # the peer benchmarks' measures (benchmarks.measures order): mean current level over all
    # answers, each framework and each group, as stored on the member (ReleaseMember.means)
    # and counted into the benchmark ranks (app/reports/benchmark_build.py)
    benchmark_means: tuple[float | None, ...]
    leading: bool  # 先行企業 under the version's rule (False without one)
    levels: tuple[int, ...] | None  # the items' level words (app/reports/item_counts.py)


def _size_class(sector: str, capital: int | None, employees: int | None) -> str:
    try:
        return reference.size_class(sector, capital, employees) or "unknown"
    except (KeyError, ValueError):
        return "unknown"


@lru_cache(maxsize=256)  # 47 prefectures: asked once per member (~100k per build)
def _bureau_of(prefecture: str) -> str:
    try:
        return reference.bureau_for_prefecture(prefecture).code
    except KeyError:
        return "unknown"


def live_companies(
    fiscal_year: int, index_version: str, index, sums: PartSums
) -> Iterator[_Company]:
    """One row per submitted assessment of the period (its sums read from the build's part
    sums, app/reports/part_sums.py), streamed."""
    earlier = aliased(Assessment)
    repeat = exists().where(
        earlier.company_id == Assessment.company_id,
        earlier.fiscal_year < Assessment.fiscal_year,
        earlier.status == "submitted",
    )
    columns = [*sums.columns(part_sums.ALL_ANSWERS)]
    for f in index.frameworks:
        columns += sums.columns(f"f:{f.id}")
    for g in index.groups:
        columns += sums.columns(f"g:{g.id}")[:2]
    words = len(sums.level_columns())
    columns += sums.level_columns()
    facts = (
        Assessment.company_id,
        Assessment.id,
        Assessment.version,
        Company.prefecture_code,
        Company.jsic_division,
        Company.sme_sector,
        Company.capital_yen,
        Company.employees,
    )
    query = (
        select(*facts, repeat.label("repeat"), *columns)
        .select_from(Assessment)
        .join(Company, Company.id == Assessment.company_id)
        .join(sums.table, sums.assessment_id == Assessment.id)
        .where(
            Assessment.status == "submitted",
            Assessment.fiscal_year == fiscal_year,
            Assessment.index_version == index_version,
        )
        # A fixed order, whatever the plan: the cells' member dicts keep it, and the disclosure
        # passes (disclosure.difference with ``stop``) end as soon as they found k changed
        # companies. In the tables' physical order, the companies that resubmitted since the
        # last release come last (their sums rows were rewritten), so every comparison of a
        # changed cell read all of it before finding any.
        .order_by(Assessment.company_id)
    )
    # A row's numbers: the all-answers (sum, count) of current then target levels, each
    # framework's the same, each group's current (sum, count). Every mean is a (sum, count)
    # pair of them: overall and each framework's current and target (``_Company.means``),
    # then each group's current.
    frameworks = len(index.frameworks)
    pairs = range(0, 4 + 4 * frameworks + 2 * len(index.groups), 2)
    rule = leading_rule(index)
    if rule is not None:  # where the rule's (sum, count) is among the numbers
        scopes = [None] + [f.id for f in index.frameworks]  # as the numbers' blocks of four
        leading_at = 4 * scopes.index(rule.framework) + 2 * rule.side
    mean = _shared_mean
    for row in streamed(query):
        company_id, assessment_id, version, prefecture, jsic, sector, capital, employees = row[:8]
        numbers = row[9 : len(row) - words]  # the temporary table's BIGINTs: ints already
        values = [mean(numbers[at], numbers[at + 1]) for at in pairs]
        member = C.Member(
            company_id=company_id,
            submission=(assessment_id, version),
            bureau=_bureau_of(prefecture),
            prefecture=prefecture,
            industry=jsic,
            size=_size_class(sector, capital, employees),
            cohort="repeat" if row[8] else "first",
        )
        yield _Company(
            member,
            tuple(values[: 2 + 2 * frameworks]),
            (values[0], *values[2 : 2 + 2 * frameworks : 2], *values[2 + 2 * frameworks :]),
            rule is not None
            and is_leading(numbers[leading_at], numbers[leading_at + 1], rule.threshold),
            tuple(row[len(row) - words :]) if words else None,
        )


@lru_cache(maxsize=4096)  # sums of levels over item counts: a few hundred pairs repeat
def _shared_mean(total: int, count: int) -> float | None:
    """A mean (None without answers), one float object per distinct (total, count)."""
    return total / count if count else None


def _summary(current, target) -> dict:
    """Means and medians of the companies' current and target means (None: no answer)."""
    c = Summary.of_counted(counted(current))
    t = Summary.of_counted(counted(target))
    return {
        "current_mean": c.mean,
        "current_median": c.median,
        "target_mean": t.mean,
        "target_median": t.median,
    }


def _item_counts(release_id: int) -> dict[str, dict[str, list]]:
    """cell key -> item id -> [count at level 0..5, sum of target levels, count of targets]:
    GROUP BY in the database over the release's members joined to their answers."""
    m = ReleaseMember.__table__.c
    acc: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(lambda: [0] * 8))
    groupings = (
        (m.prefecture_code, lambda b, v: [C.ALL, C.bureau_key(b), C.prefecture_key(v)]),
        (m.jsic_division, lambda b, v: [C.dimension_key(s, "i", v) for s in (C.NATIONAL, b)]),
        (m.size_class, lambda b, v: [C.dimension_key(s, "s", v) for s in (C.NATIONAL, b)]),
        (m.cohort, lambda b, v: [C.dimension_key(s, "c", v) for s in (C.NATIONAL, b)]),
    )
    if db.session.get_bind().dialect.name == "postgresql":
        rows = _item_count_rows_grouping_sets(release_id, [column for column, _k in groupings])
    else:
        rows = _item_count_rows(release_id, [column for column, _k in groupings])
    for n, bureau, value, item_id, level, count, target_sum, target_n in rows:
        for key in groupings[n][1](bureau, value):
            slot = acc[key][item_id]
            slot[level] += count
            slot[6] += int(target_sum)
            slot[7] += target_n
    return acc


def _item_count_rows(release_id: int, columns):
    """(grouping number, bureau, value, item, level, count, target sum, target count): one
    GROUP BY per grouping column."""
    m = ReleaseMember.__table__.c
    for n, column in enumerate(columns):
        query = (
            select(
                m.bureau_code,
                column,
                Answer.item_id,
                Answer.current_level,
                func.count(),
                func.coalesce(func.sum(Answer.target_level), 0),
                func.count(Answer.target_level),
            )
            .select_from(ReleaseMember.__table__)
            .join(Answer, Answer.assessment_id == m.assessment_id)
            .where(m.release_id == release_id, Answer.current_level.is_not(None))
            .group_by(m.bureau_code, column, Answer.item_id, Answer.current_level)
        )
        for row in db.session.execute(query):
            yield (n, *row)


def _item_count_rows_grouping_sets(release_id: int, columns):
    """The same rows from ONE pass over the answers (PostgreSQL GROUPING SETS), instead of
    one pass per grouping column."""
    m = ReleaseMember.__table__.c
    fixed = (m.bureau_code, Answer.item_id, Answer.current_level)
    query = (
        select(
            func.grouping(*columns),
            m.bureau_code,
            *columns,
            Answer.item_id,
            Answer.current_level,
            func.count(),
            func.coalesce(func.sum(Answer.target_level), 0),
            func.count(Answer.target_level),
        )
        .select_from(ReleaseMember.__table__)
        .join(Answer, Answer.assessment_id == m.assessment_id)
        .where(m.release_id == release_id, Answer.current_level.is_not(None))
        .group_by(func.grouping_sets(*(tuple_(*fixed, column) for column in columns)))
    )
    last = len(columns) - 1
    # grouping(c0, …, cN) has bit (N - n) set for every column NOT in the row's set
    number = {((1 << len(columns)) - 1) ^ (1 << (last - n)): n for n in range(len(columns))}
    for row in db.session.execute(query):
        n = number[row[0]]
        bureau, values, rest = row[1], row[2 : 2 + len(columns)], row[2 + len(columns) :]
        yield (n, bureau, values[n], *rest)


def _figures(companies: list[tuple], items: dict[str, list], index, with_leading: bool) -> dict:
    """A cell's figures; ``companies``: one row per company, its means (_Company.means) then its
    先行企業 flag, as _members_and_means files them; ``with_leading``: the version has a
    先行企業 rule (else no share)."""
    n = len(companies)
    columns = list(zip(*companies, strict=True)) or [()] * (3 + 2 * len(index.frameworks))
    overall = _summary(columns[0], columns[1])
    overall["leading_share"] = share(sum(columns[-1]), n) if with_leading else None
    item_figures = {}
    for item in index.items:
        slot = items.get(item.id, [0] * 8)
        answered = sum(slot[:6])
        item_figures[item.id] = {
            "current_mean": (sum(lv * slot[lv] for lv in LEVELS) / answered) if answered else None,
            "target_mean": slot[6] / slot[7] if slot[7] else None,
            "levels": slot[:6],
        }
    groups = {}
    for group in index.groups:
        cur = [item_figures[i]["current_mean"] for i in group.item_ids]
        tgt = [item_figures[i]["target_mean"] for i in group.item_ids]
        groups[group.id] = {
            "current_mean": sum(cur) / len(cur) if None not in cur else None,
            "target_mean": sum(tgt) / len(tgt) if None not in tgt else None,
        }
    return {
        "n": n,
        "overall": overall,
        "frameworks": {
            f.id: _summary(columns[2 + 2 * k], columns[3 + 2 * k])
            for k, f in enumerate(index.frameworks)
        },
        "groups": groups,
        "items": item_figures,
    }


def _earlier(fiscal_year: int, index_version: str, before_id: int, now=None):
    """Earlier releases of the period: their ids (oldest first), their cell members and
    published cells in the same order, and the latest published figures of every cell (to carry
    forward). ``now``: the cell members of release
    ``before_id`` (being built, its members stored), which the earlier releases' members are
    then told against (app/reports/overlay.py) instead of read whole."""
    release_ids = list(
        db.session.scalars(
            select(ReportRelease.id)
            .where(
                ReportRelease.fiscal_year == fiscal_year,
                ReportRelease.index_version == index_version,
                ReportRelease.id < before_id,
            )
            .order_by(ReportRelease.id)
        )
    )
    if not release_ids:
        return [], [], {}
    if now is None:
        members = stored_cell_members(release_ids)  # one release at a time, no list of members
    else:
        members = {r: overlaid_cells(now, before_id, r) for r in release_ids}
    published: dict[int, set[str]] = defaultdict(set)
    latest: dict[str, tuple[int, dict]] = {}
    for release_id, key, figures in db.session.execute(
        select(ReleaseCell.release_id, ReleaseCell.cell_key, ReleaseCell.figures)
        .where(ReleaseCell.release_id.in_(release_ids), ReleaseCell.status == "published")
        .order_by(ReleaseCell.release_id)
    ):
        published[release_id].add(key)
        latest[key] = (release_id, figures)
    earlier = [Earlier(members[r], frozenset(published[r])) for r in release_ids]
    return release_ids, earlier, latest


@dataclass
class _Computed:
    release: ReportRelease
    publish: frozenset[str]
    latest: dict
    figures: dict[str, dict]
    extra_rows: list[dict]
    context: BuildContext | None = None
    peers: dict[str, list[tuple]] | None = None  # peer cell -> its members' benchmark means


def _compute(
    fiscal_year: int, index_version: str, user, publish_all: bool = False, check: bool = False
) -> _Computed:
    """``check``: for check_release (in a savepoint it rolls back): the sums are computed from
    the answers, and nothing is committed."""
    try:
        index = load_index(index_version)
    except (LookupError, FileNotFoundError, ValueError) as exc:
        raise ReleaseError(f"unknown index version {index_version!r}") from exc
    if not check:
        part_sums.refresh_stored(fiscal_year, index_version, index)
        db.session.commit()  # before the build's long transaction (see refresh_stored)
    item_weights.tune_build()
    sums = part_sums.fill(fiscal_year, index_version, index, from_answers=check)
    release = ReportRelease(
        fiscal_year=fiscal_year,
        index_version=index_version,
        released_by_id=user.id if user is not None else None,
        companies=0,  # counted below, while the members are stored
    )
    db.session.add(release)
    db.session.flush()
    counter = ItemCounter(sums.item_levels.items) if sums.item_levels else None
    members, by_cell, peers = _members_and_means(
        release, live_companies(fiscal_year, index_version, index, sums), index, counter
    )
    # The earlier releases are told against ``members`` (app/reports/overlay.py): it must be
    # exactly the cells of the members just stored (all flushed by now, same connection), and
    # no cell of it may change from here on (the overlays keep their sizes).
    release_ids, earlier, latest = _earlier(fiscal_year, index_version, release.id, members)
    publish = (
        frozenset(k for k, m in members.items() if m)
        if publish_all
        else publishable(members, C.lines(), earlier)
    )
    if not publish:
        items = {}
    elif counter is not None:
        items = counter.counts(publish)
    else:  # an index too wide for the level words: counted from the answers
        items = _item_counts(release.id)
    del counter
    with_leading = leading_rule(index) is not None
    figures = {
        key: _figures(by_cell[key], items.get(key, {}), index, with_leading) for key in publish
    }
    del by_cell
    context = BuildContext(release, members, publish, earlier, release_ids, latest, index, sums)
    return _Computed(release, publish, latest, figures, extra_cells(context), context, peers)


_INSERT_ROWS = 5000  # members stored per batch while they are read


def _members_and_means(
    release: ReportRelease, companies: Iterable[_Company], index, counter: ItemCounter | None
):
    """One pass over the counted companies (streamed): store each as a release member (in
    batches), and collect the cells' members (cell -> company -> submission) and, per cell, one
    row per company of its means and 先行企業 flag (the row shared by all its cells), and per
    peer benchmark group its members' means (benchmark_build.peer_rows); ``counter`` (if any)
    counts its items' levels in its cells; sets ``release.companies``."""
    members: dict[str, dict[int, tuple]] = cells_from(())
    by_cell: dict[str, list[tuple]] = defaultdict(list)
    peers: dict[str, list[tuple]] = {}
    batch, count = [], 0
    for c in companies:
        m = c.member
        benchmark_means = c.benchmark_means
        benchmark_build.peer_rows(peers, m, benchmark_means)
        batch.append(
            (
                release.id,
                m.company_id,
                m.submission[0],
                m.submission[1],
                m.bureau,
                m.prefecture,
                m.industry,
                m.size,
                m.cohort,
                benchmark_means,
            )
        )
        if len(batch) == _INSERT_ROWS:
            _insert_members(batch)
        row = (*c.means, c.leading)
        cells = C.cells_of(m)
        if counter is not None:
            counter.add(cells, c.levels)
        for key in cells:
            members[key][m.company_id] = m.submission
            by_cell[key].append(row)
        count += 1
    if batch:
        _insert_members(batch)
    release.companies = count
    if count:
        # every column but the means, which no query of the build joins, filters or groups on
        item_weights.analyze(ReleaseMember.__tablename__, *_MEMBER_COLUMNS[:-1])
    return members, by_cell, peers


_MEMBER_COLUMNS = ("release_id", *FACTS, "means")


def _insert_members(batch: list[tuple]) -> None:
    insert_rows(ReleaseMember.__table__, _MEMBER_COLUMNS, batch)  # COPY on PostgreSQL
    batch.clear()


@contextmanager
def _without_cyclic_gc():
    """The build holds ~100k rows' worth of small objects per 100k companies at once; Python's
    cyclic garbage collector walks all of them on every full collection (a fifth of the
    build's Python CPU at 10k companies) and frees next to nothing (753 objects in a 10k
    build): the build makes almost no reference cycles. Reference counting still frees
    everything else as usual; the collector is switched back on (if it was on) when the build
    ends, whatever happens, and takes the few cycles at its next run."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def create_release(fiscal_year: int, index_version: str, user=None) -> ReportRelease:
    """Compute, decide and store a release; owns the commit."""
    with _without_cyclic_gc():
        return _create_release(fiscal_year, index_version, user)


_CELL_COLUMNS = ("release_id", "cell_key", "status", "source_release_id", "figures")


def _create_release(fiscal_year: int, index_version: str, user) -> ReportRelease:
    computed = _compute(fiscal_year, index_version, user)
    rows = []
    for key in C.all_cells():
        if key in computed.publish:
            status, source, figures = "published", None, computed.figures[key]
        elif key in computed.latest:
            status, (source, figures) = "carried", computed.latest[key]
        else:
            status, source, figures = "suppressed", None, None
        rows.append(
            {
                "release_id": computed.release.id,
                "cell_key": key,
                "status": status,
                "source_release_id": source,
                "figures": figures,
            }
        )
    # ~8k rows of JSON figures a release: COPY on PostgreSQL (bulk.py)
    cells = [tuple(row[name] for name in _CELL_COLUMNS) for row in rows + computed.extra_rows]
    insert_rows(ReleaseCell.__table__, _CELL_COLUMNS, cells)
    # peer benchmarks from the cells just decided
    context = computed.context
    earlier = zip(context.earlier_ids, context.earlier, strict=True)
    changes = {rid: e.members.changed for rid, e in earlier}
    benchmark_build.materialise(computed.release, computed.peers, changes)
    computed.context.part_sums.drop()
    db.session.commit()
    return computed.release


def check_release(release_id: int) -> tuple[int, int, list[str]]:
    """Recompute the figures of a stored release from the live answers and compare them.

    Only cells whose members (companies and their submissions) are the same now as at release
    time can be compared; the others changed since and are counted. Returns
    (compared cells, changed cells, differences). Nothing is stored (a rolled-back savepoint).
    """
    release = db.session.get(ReportRelease, release_id)
    if release is None:
        raise ReleaseError(f"no release {release_id}")
    stored = {
        key: figures
        for key, figures in db.session.execute(
            select(ReleaseCell.cell_key, ReleaseCell.figures).where(
                ReleaseCell.release_id == release_id, ReleaseCell.status == "published"
            )
        )
    }
    _ids, earlier, _ = _earlier(release.fiscal_year, release.index_version, release_id + 1)
    then = earlier[-1].members
    savepoint = db.session.begin_nested()
    try:
        live = _compute(
            release.fiscal_year, release.index_version, None, publish_all=True, check=True
        )
        now = live.context.cell_members
        extra = recomputed(live.context, release_id)  # panel and indicator cells
        compared, changed, differences = 0, 0, []
        for key, figures in stored.items():
            if key in extra:
                same, live_figures = extra[key]
                changed, compared = changed + (not same), compared + same
                if same and not _same(figures, live_figures):
                    differences.append(key)
                continue
            if key not in live.figures and dict(then.get(key, {})) == now.get(key, {}):
                differences.append(key)  # a stored cell the recomputation does not know
                continue
            if dict(then.get(key, {})) != now.get(key, {}):
                changed += 1
                continue
            compared += 1
            if not _same(figures, live.figures[key]):
                differences.append(key)
    finally:
        savepoint.rollback()
    return compared, changed, differences


def _same(a, b) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float | int) and isinstance(b, float | int):
        return abs(a - b) < 1e-9
    return a == b
