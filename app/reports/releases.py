"""Making a report release: the only place that reads live answers for the bureau reports.

A release (ReportRelease) for one fiscal year and index version stores, for every cell of
app/reports/cells.py, either its figures (published), the figures of the latest earlier release
that published it (carried, shown as 前回公表値), or nothing (suppressed); the choice is
app/reports/disclosure.py's. The members (ReleaseMember) are inserted by one INSERT ... SELECT;
the rules compare them with earlier releases' members as counted moves (``_changes``, SQL); the
figures are computed in the database: one row per member with its sums of levels (for the
medians and the 先行企業 flag), and GROUP BY counts of levels per item; Python only adds up those
small results and sorts company means for medians.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import and_, case, exists, func, insert, literal, or_, select
from sqlalchemy.orm import aliased

from app.extensions import db
from app.models import Answer, Assessment, Company, ReleaseCell, ReleaseMember, ReportRelease
from app.reports import cells as C
from app.reports.disclosure import Changes, Compared, decide
from app.reports.stats import Summary, share
from questionnaires import load_index, reference
from scoring import is_leading

LEVELS = range(6)
# What decides a company's cells (app/reports/cells.py), in ReleaseMember's column names.
SIGNATURE = ("bureau_code", "prefecture_code", "jsic_division", "size_class", "cohort")


class ReleaseError(Exception):
    pass


@dataclass(frozen=True)
class _Company:
    cells: tuple[str, ...]
    leading: bool
    # the company's mean current and target level overall, then per framework (index order):
    # computed once per company, not once per cell it is in
    means: tuple[float | None, ...]


def _sum_count(column, condition=None):
    value = column if condition is None else case((condition, column))
    return func.coalesce(func.sum(value), 0), func.count(value)


def _bureau_sql(prefecture):
    """reference.bureau_for_prefecture in SQL ("unknown" for a prefecture of no bureau)."""
    bureau_of = {p: b.code for b in reference.bureaus() for p in b.prefecture_codes}
    return case(bureau_of, value=prefecture, else_="unknown")


def _size_class_sql(sector, capital, employees):
    """reference.size_class in SQL, sector by sector in its order of tests ("unknown" for None
    or an unknown sector; a comparison with NULL is not true, as ``is not None and`` there)."""
    whens = []
    for s in reference.sme_sectors():
        is_sector = sector == s.id
        whens += [
            (and_(is_sector, employees <= s.small_employees_max), "small"),
            (
                and_(
                    is_sector, or_(capital <= s.sme_capital_max, employees <= s.sme_employees_max)
                ),
                "sme",
            ),
            (and_(is_sector, capital.is_not(None), employees.is_not(None)), "large"),
        ]
    return case(*whens, else_="unknown")


def _insert_members(release_id: int, fiscal_year: int, index_version: str) -> None:
    """The release's members (one per submitted assessment of the period with answers), their
    cells' facts computed in the database: INSERT ... SELECT, no row passes through Python."""
    earlier = aliased(Assessment)
    repeat = exists().where(
        earlier.company_id == Assessment.company_id,
        earlier.fiscal_year < Assessment.fiscal_year,
        earlier.status == "submitted",
    )
    answered = exists().where(Answer.assessment_id == Assessment.id)
    query = (
        select(
            literal(release_id),
            Assessment.company_id,
            Assessment.id,
            Assessment.version,
            _bureau_sql(Company.prefecture_code),
            Company.prefecture_code,
            Company.jsic_division,
            _size_class_sql(Company.sme_sector, Company.capital_yen, Company.employees),
            case((repeat, "repeat"), else_="first"),
        )
        .join(Company, Company.id == Assessment.company_id)
        .where(
            Assessment.status == "submitted",
            Assessment.fiscal_year == fiscal_year,
            Assessment.index_version == index_version,
            answered,
        )
    )
    columns = ["release_id", "company_id", "assessment_id", "submission", *SIGNATURE]
    db.session.execute(insert(ReleaseMember).from_select(columns, query))


@lru_cache(maxsize=4096)
def _cells(signature: tuple) -> tuple[str, ...]:
    """The cells of a company with these facts (SIGNATURE order)."""
    return C.cells_of(C.Member(0, (0, 0), *signature))


def _companies(release_id: int, index) -> list[_Company]:
    """One row per member with its sums of levels (for the medians and the 先行企業 flag),
    aggregated in the database."""
    m = ReleaseMember.__table__.c
    signature = [m[name] for name in SIGNATURE]
    columns = [*_sum_count(Answer.current_level), *_sum_count(Answer.target_level)]
    for framework in index.frameworks:
        inside = Answer.item_id.in_(framework.item_ids)
        columns += [
            *_sum_count(Answer.current_level, inside),
            *_sum_count(Answer.target_level, inside),
        ]
    query = (
        select(*signature, *columns)
        .select_from(ReleaseMember.__table__)
        .join(Answer, Answer.assessment_id == m.assessment_id)
        .where(m.release_id == release_id)
        .group_by(m.company_id, *signature)
    )
    result = []
    for row in db.session.execute(query):
        n = [int(x) for x in row[len(SIGNATURE) :]]
        means = tuple(_mean(n[k], n[k + 1]) for k in range(0, len(n), 2))
        result.append(_Company(_cells(tuple(row[: len(SIGNATURE)])), is_leading(n[0], n[1]), means))
    return result


def _changes(then_id: int, now_id: int) -> Changes:
    """How the members of release ``then_id`` moved to release ``now_id``: companies counted
    by (cells then, cells now, same submission) in the database (a FULL OUTER JOIN on the
    company), so the comparison costs a few thousand rows whatever the number of companies."""
    table = ReleaseMember.__table__
    then = select(table).where(table.c.release_id == then_id).subquery("then_members")
    now = select(table).where(table.c.release_id == now_id).subquery("now_members")
    same = case(
        (
            and_(
                then.c.assessment_id == now.c.assessment_id,
                then.c.submission == now.c.submission,
            ),
            1,
        ),
        else_=0,
    )
    keys = [then.c[name] for name in SIGNATURE] + [now.c[name] for name in SIGNATURE]
    query = (
        select(*keys, same, func.count())
        .select_from(then.join(now, then.c.company_id == now.c.company_id, full=True))
        .group_by(*keys, same)
    )
    width = len(SIGNATURE)

    def cells(signature: tuple) -> tuple[str, ...]:
        return () if signature[0] is None else _cells(signature)

    return Changes(
        (cells(tuple(row[:width])), cells(tuple(row[width : 2 * width])), bool(row[-2]), row[-1])
        for row in db.session.execute(query)
    )


def _mean(total: int, count: int) -> float | None:
    return total / count if count else None


def _summary(current_means, target_means) -> dict:
    c = Summary.of([v for v in current_means if v is not None])
    t = Summary.of([v for v in target_means if v is not None])
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
    for column, keys_of in groupings:
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
        for bureau, value, item_id, level, count, target_sum, target_n in db.session.execute(query):
            for key in keys_of(bureau, value):
                slot = acc[key][item_id]
                slot[level] += count
                slot[6] += int(target_sum)
                slot[7] += target_n
    return acc


def _figures(companies: list[_Company], items: dict[str, list], index) -> dict:
    n = len(companies)
    # one column per mean of _Company.means (current, target overall, then per framework)
    columns = list(zip(*(c.means for c in companies), strict=True)) or [()] * (
        2 + 2 * len(index.frameworks)
    )
    overall = _summary(columns[0], columns[1])
    overall["leading_share"] = share(sum(c.leading for c in companies), n)
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


def _earlier(fiscal_year: int, index_version: str, now_id: int):
    """Earlier releases of the period as the rules compare them with release ``now_id`` (the
    members' moves counted in SQL, and the cells each published), and the latest published
    figures of every cell (to carry forward)."""
    release_ids = list(
        db.session.scalars(
            select(ReportRelease.id)
            .where(
                ReportRelease.fiscal_year == fiscal_year,
                ReportRelease.index_version == index_version,
                ReportRelease.id < now_id,
            )
            .order_by(ReportRelease.id)
        )
    )
    if not release_ids:
        return [], {}
    published: dict[int, set[str]] = defaultdict(set)
    latest: dict[str, tuple[int, dict]] = {}
    for release_id, key, figures in db.session.execute(
        select(ReleaseCell.release_id, ReleaseCell.cell_key, ReleaseCell.figures)
        .where(ReleaseCell.release_id.in_(release_ids), ReleaseCell.status == "published")
        .order_by(ReleaseCell.release_id)
    ):
        published[release_id].add(key)
        latest[key] = (release_id, figures)
    earlier = [Compared(_changes(r, now_id), frozenset(published[r])) for r in release_ids]
    return earlier, latest


@dataclass
class _Computed:
    release: ReportRelease
    companies: list[_Company]
    publish: frozenset[str]
    latest: dict
    figures: dict[str, dict]


def _compute(fiscal_year: int, index_version: str, user, publish_all: bool = False) -> _Computed:
    try:
        index = load_index(index_version)
    except (LookupError, FileNotFoundError, ValueError) as exc:
        raise ReleaseError(f"unknown index version {index_version!r}") from exc
    release = ReportRelease(
        fiscal_year=fiscal_year,
        index_version=index_version,
        released_by_id=user.id if user is not None else None,
    )
    db.session.add(release)
    db.session.flush()
    _insert_members(release.id, fiscal_year, index_version)
    companies = _companies(release.id, index)
    release.companies = len(companies)
    by_cell: dict[str, list[_Company]] = defaultdict(list)
    for c in companies:
        for key in c.cells:
            by_cell[key].append(c)
    sizes = {key: len(by_cell.get(key, ())) for key in (*C.all_cells(), *by_cell)}
    earlier, latest = _earlier(fiscal_year, index_version, release.id)
    publish = (
        frozenset(k for k, n in sizes.items() if n)
        if publish_all
        else decide(sizes, C.lines(), earlier)
    )
    items = _item_counts(release.id) if publish else {}
    figures = {key: _figures(by_cell[key], items.get(key, {}), index) for key in publish}
    return _Computed(release, companies, publish, latest, figures)


def create_release(fiscal_year: int, index_version: str, user=None) -> ReportRelease:
    """Compute, decide and store a release; owns the commit."""
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
    db.session.execute(insert(ReleaseCell), rows)
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
    savepoint = db.session.begin_nested()
    try:
        live = _compute(release.fiscal_year, release.index_version, None, publish_all=True)
        changes = _changes(release_id, live.release.id)
        compared, changed, differences = 0, 0, []
        for key, figures in stored.items():
            if changes.difference({key}):
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
