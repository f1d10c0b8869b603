"""Aggregates of submitted assessments for a bureau's jurisdiction, as plain dataclasses.

How the figures are computed (documented choice):
- Source: the answer rows of SUBMITTED assessments (SQL over ``answers``), not the JSON score
  snapshots, so the database does the heavy lifting and a report costs a fixed number of
  queries whatever the number of companies. Levels are integers, so the means are the same
  numbers the snapshots hold.
- One value per company: a company's overall (or framework) figure is the mean of its levels,
  and the report shows the mean and the median of those company figures, every company weighted
  equally. Submitted assessments are complete, so this also equals the mean over all answers.
- 先行企業: scoring.is_leading on the company's sum and count of current levels (R6).
- Per item: the mean current and target level over the companies.
- One fiscal year and one index version at a time (figures of different index versions are not
  comparable); the default is the latest year with data and that year's newest version.
- Small cells are hidden by app/reports/stats.py (suppressed_cells); nothing that identifies a
  company (name, id, answers, evidence) ever leaves this module.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlalchemy import case, func, select, text

from app.extensions import db
from app.models import Answer, Assessment, Company
from app.reports.stats import Summary, is_small, share, suppressed_cells
from questionnaires import load_index, reference
from scoring import is_leading

NATIONAL = "national"
NATIONAL_NAME = "全国"
SIZE_ROWS = (
    ("small", "小規模企業者"),
    ("sme", "中小企業者（小規模企業者を除く）"),
    ("large", "大企業"),
    (None, "判定不能（資本金・従業員数が未登録）"),
)
# A runaway national report must not hold a worker for long (PostgreSQL only; SET takes no binds).
STATEMENT_TIMEOUT_SQL = "SET LOCAL statement_timeout = 10000"


@dataclass(frozen=True)
class Jurisdiction:
    code: str
    name: str
    prefecture_codes: tuple[str, ...]
    national: bool


@dataclass(frozen=True)
class Period:
    fiscal_year: int
    index_version: str


@dataclass(frozen=True)
class Row:
    """One line of a table: figures over the companies of one group."""

    label: str
    n: int
    current: Summary
    target: Summary
    leading_share: float | None
    suppressed: bool


@dataclass(frozen=True)
class ItemRow:
    item_id: str
    title: str
    framework: str
    n: int
    current_mean: float | None
    target_mean: float | None
    suppressed: bool


@dataclass(frozen=True)
class BureauReport:
    jurisdiction: Jurisdiction
    periods: tuple[Period, ...]
    period: Period | None
    n_companies: int
    suppressed: bool
    summary: tuple[Row, ...] = ()
    items: tuple[ItemRow, ...] = ()
    by_prefecture: tuple[Row, ...] = ()
    by_industry: tuple[Row, ...] = ()
    by_size: tuple[Row, ...] = ()


@dataclass(frozen=True)
class _CompanyLevels:
    """Sums and counts of one company's levels; stays inside this module."""

    prefecture_code: str
    jsic_division: str
    size_class: str | None
    current: tuple[int, int]  # (sum, count)
    target: tuple[int, int]
    frameworks: dict[str, tuple[tuple[int, int], tuple[int, int]]]

    @property
    def leading(self) -> bool:
        return is_leading(*self.current)


def jurisdiction_of(bureau_code: str | None) -> Jurisdiction | None:
    """The area a bureau user reports on; None for a missing or unknown code."""
    if bureau_code == NATIONAL:
        return Jurisdiction(NATIONAL, NATIONAL_NAME, tuple(reference.prefectures()), True)
    try:
        bureau = reference.bureau(bureau_code or "")
    except KeyError:
        return None
    return Jurisdiction(bureau.code, bureau.name, bureau.prefecture_codes, False)


def _scoped(columns, jurisdiction: Jurisdiction, period: Period | None = None):
    """SELECT columns over the submitted assessments in the jurisdiction (and period, with
    their answers joined)."""
    query = (
        select(*columns)
        .select_from(Assessment)
        .join(Company, Company.id == Assessment.company_id)
        .where(Assessment.status == "submitted")
    )
    if not jurisdiction.national:
        query = query.where(Company.prefecture_code.in_(jurisdiction.prefecture_codes))
    if period is not None:
        query = query.join(Answer, Answer.assessment_id == Assessment.id).where(
            Assessment.fiscal_year == period.fiscal_year,
            Assessment.index_version == period.index_version,
        )
    return query


def available_periods(jurisdiction: Jurisdiction) -> tuple[Period, ...]:
    """(year, index version) pairs with submitted data, newest first."""
    query = _scoped((Assessment.fiscal_year, Assessment.index_version), jurisdiction).distinct()
    rows = db.session.execute(query).all()
    return tuple(
        Period(year, version) for year, version in sorted(rows, key=lambda r: (r[0], r[1]))[::-1]
    )


def choose_period(
    periods: tuple[Period, ...], year: int | None, version: str | None
) -> Period | None:
    """The requested period if it has data; else the latest one (None when there is none)."""
    matching = [p for p in periods if year is None or p.fiscal_year == year]
    if version is not None:
        matching = [p for p in matching if p.index_version == version] or matching
    return matching[0] if matching else (periods[0] if periods else None)


def build_report(jurisdiction: Jurisdiction, year: int | None, version: str | None = None):
    periods = available_periods(jurisdiction)
    period = choose_period(periods, year, version)
    if period is None:
        return BureauReport(jurisdiction, periods, None, 0, True)
    _limit_statement_time()
    index = load_index(period.index_version)
    companies = _company_levels(jurisdiction, period, index)
    n = len(companies)
    if is_small(n):
        return BureauReport(jurisdiction, periods, period, n, True)
    return BureauReport(
        jurisdiction=jurisdiction,
        periods=periods,
        period=period,
        n_companies=n,
        suppressed=False,
        summary=_summary_rows(companies, index),
        items=_item_rows(jurisdiction, period, index),
        by_prefecture=_breakdown(
            companies,
            lambda c: c.prefecture_code,
            [(code, reference.prefectures()[code]) for code in jurisdiction.prefecture_codes],
        ),
        by_industry=_breakdown(
            companies, lambda c: c.jsic_division, list(reference.jsic_divisions().items())
        ),
        by_size=_breakdown(companies, lambda c: c.size_class, list(SIZE_ROWS)),
    )


def _limit_statement_time() -> None:
    if db.session.get_bind().dialect.name == "postgresql":
        # SET LOCAL lasts until the end of this request's transaction only.
        db.session.execute(text(STATEMENT_TIMEOUT_SQL))


def _sum_count(column, condition=None):
    value = column if condition is None else case((condition, column))
    return func.coalesce(func.sum(value), 0), func.count(value)


def _company_levels(jurisdiction: Jurisdiction, period: Period, index) -> list[_CompanyLevels]:
    """One row per submitted assessment: the sums and counts of its levels, per framework."""
    columns = [*_sum_count(Answer.current_level), *_sum_count(Answer.target_level)]
    for framework in index.frameworks:
        in_framework = Answer.item_id.in_(framework.item_ids)
        columns += [
            *_sum_count(Answer.current_level, in_framework),
            *_sum_count(Answer.target_level, in_framework),
        ]
    facts = (
        Company.prefecture_code,
        Company.jsic_division,
        Company.sme_sector,
        Company.capital_yen,
        Company.employees,
    )
    query = _scoped((*facts, *columns), jurisdiction, period).group_by(Assessment.id, *facts)
    result = []
    for row in db.session.execute(query):
        prefecture, jsic, sector, capital, employees, *numbers = row
        numbers = [int(x) for x in numbers]
        frameworks = {}
        for k, framework in enumerate(index.frameworks):
            base = 4 + 4 * k
            frameworks[framework.id] = (
                (numbers[base], numbers[base + 1]),
                (numbers[base + 2], numbers[base + 3]),
            )
        result.append(
            _CompanyLevels(
                prefecture_code=prefecture,
                jsic_division=jsic,
                size_class=_size_class(sector, capital, employees),
                current=(numbers[0], numbers[1]),
                target=(numbers[2], numbers[3]),
                frameworks=frameworks,
            )
        )
    return result


def _size_class(sector: str, capital: int | None, employees: int | None) -> str | None:
    try:
        return reference.size_class(sector, capital, employees)
    except (KeyError, ValueError):  # an unknown sector id cannot be classified
        return None


def _mean_of(sum_count: tuple[int, int]) -> float | None:
    total, n = sum_count
    return total / n if n else None


def _summaries(pairs: Iterable[tuple[tuple[int, int], tuple[int, int]]]) -> tuple[Summary, ...]:
    current, target = [], []
    for cur, tgt in pairs:
        if (value := _mean_of(cur)) is not None:
            current.append(value)
        if (value := _mean_of(tgt)) is not None:
            target.append(value)
    return Summary.of(current), Summary.of(target)


def _row(label: str, companies: list[_CompanyLevels], suppressed: bool) -> Row:
    current, target = _summaries((c.current, c.target) for c in companies)
    leading = share(sum(c.leading for c in companies), len(companies))
    return Row(label, len(companies), current, target, leading, suppressed)


def _summary_rows(companies: list[_CompanyLevels], index) -> tuple[Row, ...]:
    rows = [_row(f"全体（{len(index.items)}項目）", companies, False)]
    for framework in index.frameworks:
        current, target = _summaries(c.frameworks[framework.id] for c in companies)
        label = f"{framework.name}（{len(framework.item_ids)}項目）"
        rows.append(Row(label, len(companies), current, target, None, False))
    return tuple(rows)


def _breakdown(
    companies: list[_CompanyLevels],
    key: Callable[[_CompanyLevels], str | None],
    groups: list[tuple[str | None, str]],
) -> tuple[Row, ...]:
    """One row per group, every group listed (so an empty group looks like a small one)."""
    members: dict[str | None, list[_CompanyLevels]] = defaultdict(list)
    for company in companies:
        members[key(company)].append(company)
    hidden = suppressed_cells([len(members[code]) for code, _ in groups])
    return tuple(_row(label, members[code], i in hidden) for i, (code, label) in enumerate(groups))


def _item_rows(jurisdiction: Jurisdiction, period: Period, index) -> tuple[ItemRow, ...]:
    columns = (Answer.item_id, *_sum_count(Answer.current_level), *_sum_count(Answer.target_level))
    query = _scoped(columns, jurisdiction, period)
    sums = {
        item_id: ((int(cs), int(cn)), (int(ts), int(tn)))
        for item_id, cs, cn, ts, tn in db.session.execute(query.group_by(Answer.item_id))
    }
    frameworks = {f.id: f.name for f in index.frameworks}
    rows = []
    for item in index.items:
        cur, tgt = sums.get(item.id, ((0, 0), (0, 0)))
        answered = min(cur[1], tgt[1])
        rows.append(
            ItemRow(
                item_id=item.id,
                title=item.title,
                framework=frameworks[item.framework_id],
                n=answered,
                current_mean=_mean_of(cur),
                target_mean=_mean_of(tgt),
                suppressed=is_small(answered),
            )
        )
    return tuple(rows)
