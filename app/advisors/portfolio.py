"""The advisor's client portfolio: one row per client with its latest year, state, scores,
change, target statuses, open review points and last activity; filtered and sorted by query
parameters; and the portfolio view (level distribution, weakest items) over the same clients.

Everything is read with a fixed number of queries whatever the number of clients (a test counts
them): each query covers all the advisor's clients at once, and the status rules are those of
the progress page (scoring.progress through app.progress and app.kpis.progress).
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext
from sqlalchemy import func, select

from app.advisors.naming import name_sort_key
from app.extensions import db
from app.kpis.progress import series_of
from app.kpis.services import current_fiscal_year
from app.models import AdvisorGrant, Answer, Assessment, Company, Indicator, IndicatorValue
from app.progress.qualitative import QUALITATIVE_CYCLE_YEARS, running_target_statuses
from app.progress.submitted import SubmittedYear, levels_from_cards, submitted_years_of
from app.reviews.services import last_comment_by_company, open_points_by_company
from questionnaires import load_index, reference
from scoring.maturity import Stat
from scoring.progress import ACHIEVED, BEHIND, MISSING, ON_TRACK, status

STATES = {
    "none": lazy_gettext("未着手"),
    "draft": lazy_gettext("回答中"),
    "submitted": lazy_gettext("提出済み"),
}
SIZE_LABELS = {
    "small": lazy_gettext("小規模企業"),
    "sme": lazy_gettext("中小企業"),
    "large": lazy_gettext("大企業"),
    "unknown": lazy_gettext("判定不能"),
}
# column key -> (heading, sort key); None values sort last whichever the direction.
COLUMNS = {
    "name": lazy_gettext("企業名"),
    "prefecture": lazy_gettext("都道府県"),
    "year": lazy_gettext("最新年度"),
    "state": lazy_gettext("状態"),
    "current": lazy_gettext("現在値の平均"),
    "target": lazy_gettext("目標値の平均"),
    "change": lazy_gettext("前年比"),
    "on_track": lazy_gettext("目標 順調"),
    "behind": lazy_gettext("目標 遅れ"),
    "missing": lazy_gettext("実績未入力"),
    "points": lazy_gettext("未解決の指摘"),
    "activity": lazy_gettext("最終更新"),
}
DEFAULT_SORT = "name"


@dataclass
class ClientRow:
    company: Company
    scope: str
    prefecture: str
    industry: str
    size: str  # small / sme / large / unknown
    fiscal_year: int | None = None
    assessment_id: int | None = None
    state: str = "none"
    answered: int | None = None  # for a draft: items with current and target
    item_count: int | None = None  # items of the draft's index version ("n of N")
    submitted_at: datetime | None = None
    card_year: int | None = None  # the year whose card gives the means
    current: float | None = None
    target: float | None = None
    change: float | None = None
    change_label: str | None = None  # 前年度 / 2024年度; 比較不可 when index versions differ
    comparable: bool = True
    targets: dict = field(default_factory=lambda: {"on_track": 0, "behind": 0, "missing": 0})
    points: int = 0
    activity: datetime | None = None
    item_levels: dict | None = None  # item id -> current level of the newest card
    index_version: str | None = None

    @property
    def state_label(self) -> str:
        return STATES[self.state]

    @property
    def behind_on_targets(self) -> bool:
        return self.targets["behind"] > 0

    def sort_value(self, column: str):
        return {
            "name": name_sort_key(self.company.name),
            "prefecture": self.company.prefecture_code,
            "year": self.fiscal_year,
            "state": list(STATES).index(self.state),
            "current": self.current,
            "target": self.target,
            "change": self.change,
            "on_track": self.targets["on_track"],
            "behind": self.targets["behind"],
            "missing": self.targets["missing"],
            "points": self.points,
            "activity": self.activity,
        }[column]


def _size(company: Company) -> str:
    try:
        size = reference.size_class(company.sme_sector, company.capital_yen, company.employees)
    except (KeyError, ValueError):
        size = None
    return size or "unknown"


def _status_key(code: str) -> str | None:
    if code in (ACHIEVED, ON_TRACK):
        return "on_track"
    if code == BEHIND:
        return "behind"
    if code == MISSING:
        return "missing"
    return None


def client_rows(advisor) -> list[ClientRow]:
    """Every company with an active grant for this advisor, computed in a fixed number of
    queries."""
    granted = db.session.execute(
        select(Company, AdvisorGrant.scope)
        .join(AdvisorGrant, AdvisorGrant.company_id == Company.id)
        .where(AdvisorGrant.advisor_id == advisor.id, AdvisorGrant.revoked_at.is_(None))
        .order_by(Company.name, Company.id)
    ).all()
    if not granted:
        return []
    prefectures = reference.prefectures()
    industries = reference.jsic_divisions()
    rows = {
        company.id: ClientRow(
            company=company,
            scope=scope,
            prefecture=prefectures.get(company.prefecture_code, company.prefecture_code),
            industry=industries.get(company.jsic_division, company.jsic_division),
            size=_size(company),
        )
        for company, scope in granted
    }
    ids = list(rows)

    # The latest assessment of each client and, for drafts, how many items are answered.
    assessments = db.session.execute(
        select(
            Assessment.id,
            Assessment.company_id,
            Assessment.fiscal_year,
            Assessment.status,
            Assessment.submitted_at,
            Assessment.created_at,
            Assessment.index_version,
        ).where(Assessment.company_id.in_(ids))
    ).all()
    latest = {}
    for a in assessments:
        if a.company_id not in latest or a.fiscal_year > latest[a.company_id].fiscal_year:
            latest[a.company_id] = a
    drafts = [a.id for a in latest.values() if a.status != "submitted"]
    answered = {}
    if drafts:
        answered = dict(
            db.session.execute(
                select(Answer.assessment_id, func.count())
                .where(
                    Answer.assessment_id.in_(drafts),
                    Answer.current_level.is_not(None),
                    Answer.target_level.is_not(None),
                )
                .group_by(Answer.assessment_id)
            ).all()
        )
    for company_id, a in latest.items():
        row = rows[company_id]
        row.fiscal_year, row.assessment_id = a.fiscal_year, a.id
        row.state = "submitted" if a.status == "submitted" else "draft"
        row.submitted_at = a.submitted_at
        row.answered = answered.get(a.id, 0) if row.state == "draft" else None
        row.item_count = len(load_index(a.index_version).items)
        row.activity = _latest(row.activity, a.created_at, a.submitted_at)

    # Scores and change: the newest year with a card (a reopened year by its last version).
    years = submitted_years_of(ids)
    for company_id, submitted in years.items():
        row = rows[company_id]
        # The newest year against the latest earlier one (R10), from the stored cards' overall
        # figures only: parsing every card whole costs more than the rest of the page.
        newest = submitted[-1]
        overall = Stat.from_dict(newest.scores["overall"])
        row.card_year, row.index_version = newest.fiscal_year, newest.index_version
        row.current, row.target = overall.current_mean, overall.target_mean
        row.item_levels = {
            item_id: score.get("current") for item_id, score in newest.scores["items"].items()
        }
        if len(submitted) > 1:
            previous = submitted[-2]
            before = Stat.from_dict(previous.scores["overall"])
            is_previous_year = previous.fiscal_year == newest.fiscal_year - 1
            row.change_label = (
                _("前年度")
                if is_previous_year
                else _("%(fiscal_year)s年度", fiscal_year=previous.fiscal_year)
            )
            row.comparable = previous.index_version == newest.index_version
            if row.comparable and None not in (overall.current_mean, before.current_mean):
                row.change = overall.current_mean - before.current_mean

    # Targets: item levels still running, and active KPIs, as on the progress page.
    as_of = {company_id: current_fiscal_year(row.company) for company_id, row in rows.items()}
    wanted: list[SubmittedYear] = [
        y
        for company_id, submitted in years.items()
        for y in submitted
        if y.fiscal_year >= as_of[company_id] - QUALITATIVE_CYCLE_YEARS
    ]
    levels = levels_from_cards(wanted)
    for company_id, submitted in years.items():
        recent = [y for y in submitted if y.assessment_id in levels]
        for result in running_target_statuses(recent, levels, as_of[company_id]):
            key = _status_key(result.code)
            if key:
                rows[company_id].targets[key] += 1
    indicators = db.session.scalars(
        select(Indicator).where(Indicator.company_id.in_(ids), Indicator.archived_at.is_(None))
    ).all()
    values: dict[int, dict] = {i.id: {} for i in indicators}
    if values:
        for indicator_id, year, value in db.session.execute(
            select(
                IndicatorValue.indicator_id, IndicatorValue.fiscal_year, IndicatorValue.value
            ).where(IndicatorValue.indicator_id.in_(list(values)))
        ):
            values[indicator_id][year] = value
    for indicator in indicators:
        result = status(
            series_of(indicator, values[indicator.id]),
            indicator.direction,
            as_of[indicator.company_id],
        )
        key = _status_key(result.code)
        if key:
            rows[indicator.company_id].targets[key] += 1

    # Review points and the last activity (answers saved, comments posted).
    for company_id, count in open_points_by_company(ids).items():
        rows[company_id].points = count
    last_answer = db.session.execute(
        select(Assessment.company_id, func.max(Answer.updated_at))
        .join(Answer, Answer.assessment_id == Assessment.id)
        .where(Assessment.company_id.in_(ids))
        .group_by(Assessment.company_id)
    ).all()
    for source in (dict(last_answer), last_comment_by_company(ids)):
        for company_id, when in source.items():
            row = rows[company_id]
            row.activity = _latest(row.activity, when)
    return list(rows.values())


def _latest(*values):
    present = [_aware(v) for v in values if v is not None]
    return max(present) if present else None


def _aware(value: datetime | None) -> datetime | None:
    """SQLite returns timezone-aware columns as naive UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


# --- filters and sorting ----------------------------------------------------------------------


@dataclass
class Query:
    q: str = ""
    state: str = ""
    industry: str = ""
    size: str = ""
    prefecture: str = ""
    behind: bool = False
    sort: str = DEFAULT_SORT
    direction: str = "asc"
    errors: list = field(default_factory=list)

    def params(self, **change) -> dict:
        """The query string of this view with some values changed (for sort links)."""
        values = {
            "q": self.q,
            "state": self.state,
            "industry": self.industry,
            "size": self.size,
            "prefecture": self.prefecture,
            "behind": "1" if self.behind else "",
            "sort": self.sort,
            "dir": self.direction,
        }
        values.update(change)
        return {k: v for k, v in values.items() if v}


def parse_query(args) -> Query:
    """Read the filters; an unknown value is reported and ignored, never an error page."""
    query = Query()
    query.q = (args.get("q") or "").strip()[:100]
    checks = (
        ("state", STATES, _("状態")),
        ("industry", reference.jsic_divisions(), _("業種")),
        ("size", SIZE_LABELS, _("規模")),
        ("prefecture", reference.prefectures(), _("都道府県")),
    )
    for name, allowed, label in checks:
        value = args.get(name) or ""
        if value and value not in allowed:
            query.errors.append(
                _("%(label)sの指定が正しくないため、この条件は使っていません。", label=label)
            )
        elif value:
            setattr(query, name, value)
    query.behind = args.get("behind") == "1"
    sort = args.get("sort") or DEFAULT_SORT
    if sort not in COLUMNS:
        query.errors.append(_("並べ替えの列が正しくないため、企業名順で表示しています。"))
        sort = DEFAULT_SORT
    query.sort = sort
    direction = args.get("dir") or "asc"
    query.direction = direction if direction in ("asc", "desc") else "asc"
    return query


def apply(rows: list[ClientRow], query: Query) -> list[ClientRow]:
    needle = query.q.casefold()
    kept = [
        r
        for r in rows
        if (not needle or needle in r.company.name.casefold())
        and (not query.state or r.state == query.state)
        and (not query.industry or r.company.jsic_division == query.industry)
        and (not query.size or r.size == query.size)
        and (not query.prefecture or r.company.prefecture_code == query.prefecture)
        and (not query.behind or r.behind_on_targets)
    ]
    present = [r for r in kept if r.sort_value(query.sort) is not None]
    absent = [r for r in kept if r.sort_value(query.sort) is None]
    present.sort(
        key=lambda r: (r.sort_value(query.sort), name_sort_key(r.company.name), r.company.id),
        reverse=query.direction == "desc",
    )
    absent.sort(key=lambda r: (name_sort_key(r.company.name), r.company.id))
    return present + absent  # rows without the value last, in both directions


# --- the portfolio view -----------------------------------------------------------------------

LEVEL_BANDS = (
    (0, 1, lazy_gettext("0以上1未満")),
    (1, 2, lazy_gettext("1以上2未満")),
    (2, 3, lazy_gettext("2以上3未満")),
    (3, 4, lazy_gettext("3以上4未満")),
    (4, 5, lazy_gettext("4以上5未満")),
    (5, 6, "5"),
)


@dataclass(frozen=True)
class WeakItem:
    item_id: str
    title: str
    mean: float
    low: int  # clients at level 0 or 1
    lowest: int  # clients for whom this is one of their lowest-rated items
    clients: int


def level_distribution(rows: list[ClientRow]) -> list[tuple[str, int]]:
    counts = Counter()
    for r in rows:
        if r.current is None:
            continue
        for low, high, label in LEVEL_BANDS:
            if low <= r.current < high:
                counts[label] += 1
                break
    return [(label, counts[label]) for _low, _high, label in LEVEL_BANDS]


def weakest_items(rows: list[ClientRow], limit: int = 10) -> list[WeakItem]:
    """Items by the clients' mean current level, lowest first, over each client's newest card;
    ``lowest`` counts the clients for whom the item is at their own minimum level."""
    levels: dict[str, list[int]] = {}
    lowest = Counter()
    titles: dict[str, str] = {}
    for r in rows:
        if r.item_levels is None:
            continue
        for item in load_index(r.index_version).items:
            titles.setdefault(item.id, item.title)
        own = {i: level for i, level in r.item_levels.items() if level is not None}
        if not own:
            continue
        floor = min(own.values())
        for item_id, level in own.items():
            levels.setdefault(item_id, []).append(level)
            if level == floor:
                lowest[item_id] += 1
    weak = [
        WeakItem(
            item_id,
            titles.get(item_id, item_id),
            sum(values) / len(values),
            sum(1 for v in values if v <= 1),
            lowest[item_id],
            len(values),
        )
        for item_id, values in levels.items()
    ]
    weak.sort(key=lambda w: (w.mean, -w.lowest, w.item_id))
    return weak[:limit]
