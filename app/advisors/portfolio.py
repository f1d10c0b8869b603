"""The advisor's client portfolio: one row per client with its latest year, state, scores,
change, target statuses, open review points and last activity, read from the stored company
summaries (app.advisors.summaries) and filtered, sorted and paged in SQL; and the portfolio
view (level distribution, weakest items) over the same clients.

Everything is read with a fixed number of statements whatever the number of clients (a test
counts them); only the advisor's active grants select the companies.
"""

import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

from flask_babel import gettext as _
from flask_babel import lazy_gettext
from sqlalchemy import and_, bindparam, case, func, join, select
from sqlalchemy.exc import IntegrityError

from app.advisors import summaries
from app.advisors.summaries import aware
from app.companies.fiscal import today_jst
from app.extensions import db
from app.models import AdvisorGrant, Company, CompanySummary
from questionnaires import load_index, reference

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
# column key -> heading; rows without the value sort last whichever the direction.
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


PER_PAGE = 50


@dataclass
class ClientRow:
    """One line of the list: a company's stored summary (app.advisors.summaries) with the
    profile columns and the advisor's grant scope."""

    company_id: int
    name: str
    scope: str
    prefecture_code: str
    jsic_division: str
    size: str  # small / sme / large / unknown
    fiscal_year: int | None
    assessment_id: int | None
    state: str
    answered: int | None  # for a draft: items with current and target
    item_count: int | None  # items of the draft's index version ("n of N")
    submitted_at: datetime | None
    card_year: int | None  # the year whose card gives the means
    current: float | None
    target: float | None
    change: float | None
    previous_year: int | None
    comparable: bool
    targets: dict
    points: int
    activity: datetime | None

    @property
    def state_label(self) -> str:
        return STATES[self.state]

    @property
    def behind_on_targets(self) -> bool:
        return self.targets["behind"] > 0

    @property
    def prefecture(self) -> str:
        return reference.prefectures().get(self.prefecture_code, self.prefecture_code)

    @property
    def industry(self) -> str:
        return reference.jsic_divisions().get(self.jsic_division, self.jsic_division)


_ROW_COLUMNS = (
    CompanySummary.company_id,
    Company.name,
    AdvisorGrant.scope,
    Company.prefecture_code,
    Company.jsic_division,
    CompanySummary.size,
    CompanySummary.fiscal_year,
    CompanySummary.assessment_id,
    CompanySummary.state,
    CompanySummary.answered,
    CompanySummary.item_count,
    CompanySummary.submitted_at,
    CompanySummary.card_year,
    CompanySummary.current_mean,
    CompanySummary.target_mean,
    CompanySummary.change,
    CompanySummary.previous_year,
    CompanySummary.comparable,
    CompanySummary.on_track,
    CompanySummary.behind,
    CompanySummary.missing,
    CompanySummary.open_points,
    CompanySummary.last_activity,
)


def client_row(values: tuple) -> ClientRow:
    """The row the list's statement returned for a client (_ROW_COLUMNS, in order)."""
    (submitted_at, card_year, current, target, change, previous_year, comparable) = values[11:18]
    on_track, behind, missing, points, activity = values[18:]
    return ClientRow(
        *values[:11],
        submitted_at=aware(submitted_at),
        card_year=card_year,
        current=current,
        target=target,
        change=change,
        previous_year=previous_year,
        comparable=comparable,
        targets={"on_track": on_track, "behind": behind, "missing": missing},
        points=points,
        activity=aware(activity),
    )


# The advisor's clients: their active grants, with the company and its summary (missing
# until first computed). Built once with the advisor as a parameter: building the statements
# per request cost more than running them.
_GRANTED = (AdvisorGrant.advisor_id == bindparam("advisor_id")) & AdvisorGrant.revoked_at.is_(None)
_CLIENTS = join(AdvisorGrant, Company, Company.id == AdvisorGrant.company_id).outerjoin(
    CompanySummary, CompanySummary.company_id == Company.id
)
_STALE = CompanySummary.company_id.is_(None) | (
    CompanySummary.next_year_starts <= bindparam("today")
)
_STALE_IDS = select(Company.id).select_from(_CLIENTS).where(_GRANTED, _STALE)
_PAGE = (
    select(*_ROW_COLUMNS)
    .select_from(_CLIENTS)
    .where(_GRANTED, CompanySummary.company_id.is_not(None))
)


def _params(advisor) -> dict:
    return {"advisor_id": advisor.id, "today": today_jst()}


@dataclass
class _Counts:
    total: int  # the advisor's clients
    stale: int  # clients whose row is missing or of an earlier fiscal year
    matched: int  # clients matching the conditions
    codes: list  # the clients' (industry, prefecture) pairs, for the filter's options


def _counts(params: dict, filters: tuple[str, ...]) -> _Counts:
    """The counts and the filter options in one statement (grouped by the two codes)."""
    groups = db.session.connection().execute(_count_statement(filters), params).all()
    return _Counts(
        total=sum(g[2] for g in groups),
        stale=sum(g[3] for g in groups),
        matched=sum(g[4] for g in groups),
        codes=[(g[0], g[1]) for g in groups],
    )


def _refresh_stale(params: dict) -> None:
    """Compute the rows that are missing (a new client) or of an earlier fiscal year."""
    stale = db.session.scalars(_STALE_IDS, params).all()
    try:
        summaries.refresh_summaries(stale)
        db.session.commit()
    except IntegrityError:  # another request stored the same new rows a moment ago
        db.session.rollback()


@dataclass
class ClientPage:
    rows: list[tuple]  # the statement's rows: every value a row shows (client_row() for them)
    total: int  # all the advisor's clients
    matched: int  # clients matching the filters
    page: int
    pages: int
    industries: list[tuple[str, str]]  # the clients' (code, name), for the filter
    prefectures: list[tuple[str, str]]

    @property
    def first(self) -> int:
        """The position of the page's first row (1-based)."""
        return (self.page - 1) * PER_PAGE + 1 if self.rows else 0

    @property
    def last(self) -> int:
        return self.first + len(self.rows) - 1 if self.rows else 0


def client_page(advisor, query: "Query") -> ClientPage:
    """The page of the client list that ``query`` asks for: filtered, sorted and paged in SQL
    over the stored summaries (two statements whatever the number of clients), run on the
    session's connection (the ORM layer would only add work to these column rows)."""
    filters, values = _filters(query)
    params = {**_params(advisor), **values}
    counts = _counts(params, filters)
    if counts.stale:
        _refresh_stale(params)
        counts = _counts(params, filters)
    pages = max(1, -(-counts.matched // PER_PAGE))
    page = min(query.page, pages)
    statement = _page_statement(filters, query.sort, query.direction)
    params["limit"], params["offset"] = PER_PAGE, (page - 1) * PER_PAGE
    found = db.session.connection().execute(statement, params)
    prefectures = reference.prefectures()
    industries = reference.jsic_divisions()
    return ClientPage(
        rows=[tuple(r) for r in found],  # drawn (and made ClientRow) only when not cached
        total=counts.total,
        matched=counts.matched,
        page=page,
        pages=pages,
        industries=sorted({(j, industries.get(j, "")) for j, _p in counts.codes}),
        prefectures=sorted({(p, prefectures.get(p, "")) for _j, p in counts.codes}),
    )


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
    page: int = 1
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
            "page": "",  # a new sort or filter starts on the first page
        }
        values.update(change)
        return {k: v for k, v in values.items() if v}


_FILTER_LABELS = {
    "state": lazy_gettext("状態"),
    "industry": lazy_gettext("業種"),
    "size": lazy_gettext("規模"),
    "prefecture": lazy_gettext("都道府県"),
}


def parse_query(args) -> Query:
    """Read the filters; an unknown value is reported and ignored, never an error page."""
    query = Query()
    query.q = (args.get("q") or "").strip()[:100]
    checks = (  # (the labels are looked up only for an error message)
        ("state", STATES, _FILTER_LABELS["state"]),
        ("industry", reference.jsic_divisions(), _FILTER_LABELS["industry"]),
        ("size", SIZE_LABELS, _FILTER_LABELS["size"]),
        ("prefecture", reference.prefectures(), _FILTER_LABELS["prefecture"]),
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
    page = args.get("page") or "1"
    query.page = int(page) if page.isdigit() and 0 < int(page) < 10_000 else 1
    return query


SORT_COLUMNS = {
    "name": CompanySummary.name_key,
    "prefecture": Company.prefecture_code,
    "year": CompanySummary.fiscal_year,
    "state": CompanySummary.state_rank,
    "current": CompanySummary.current_mean,
    "target": CompanySummary.target_mean,
    "change": CompanySummary.change,
    "on_track": CompanySummary.on_track,
    "behind": CompanySummary.behind,
    "missing": CompanySummary.missing,
    "points": CompanySummary.open_points,
    "activity": CompanySummary.last_activity,
}


# Each filter as a condition on a bound parameter of its own name: the statements of a
# combination of filters are built once (_statements), not per request.
FILTERS = {
    # On the stored NFKC form of the name (app/advisors/naming.py), so "abc" finds "ＡＢＣ商事"
    # also on SQLite, whose lower() folds ASCII letters only; the pattern is escaped by _like.
    "q": func.lower(CompanySummary.name_normal).like(bindparam("q"), escape="/"),
    "state": CompanySummary.state == bindparam("state"),
    "industry": Company.jsic_division == bindparam("industry"),
    "size": CompanySummary.size == bindparam("size"),
    "prefecture": Company.prefecture_code == bindparam("prefecture"),
    "behind": CompanySummary.behind > 0,
}


def _like(text: str) -> str:
    """A LIKE pattern finding ``text`` anywhere, its own ``%``, ``_`` and ``/`` taken
    literally (escape character ``/``, as SQLAlchemy's ``contains(autoescape=True)``)."""
    escaped = text.replace("/", "//").replace("%", "/%").replace("_", "/_")
    return f"%{escaped}%"


def _filters(query: Query) -> tuple[tuple[str, ...], dict]:
    """The filters ``query`` uses (in FILTERS' order) and their parameters."""
    values = {}
    if query.q:
        values["q"] = _like(unicodedata.normalize("NFKC", query.q).lower())
    for name in ("state", "industry", "size", "prefecture"):
        if getattr(query, name):
            values[name] = getattr(query, name)
    filters = tuple(f for f in FILTERS if f in values or (f == "behind" and query.behind))
    return filters, values


def _ordered(statement, sort: str, direction: str):
    """Rows with the value first, by the value and then by name in the chosen direction; rows
    without the value last in both directions, by name."""
    column = SORT_COLUMNS[sort]
    names = (CompanySummary.name_key, CompanySummary.name_normal, CompanySummary.company_id)
    desc = direction == "desc"
    absent = column.is_(None)
    return statement.order_by(
        absent,
        column.desc() if desc else column.asc(),
        *(case((absent, n)) for n in names),  # NULL (equal) for the rows with a value
        *(n.desc() if desc else n.asc() for n in names),
    )


# The statements are built once per combination of filters (and sort), the filter values,
# LIMIT and OFFSET being bound parameters: building them per request cost more than SQLite's
# own work on the page. SQLAlchemy keeps the compiled form of a statement object it has seen
# (keyed by the object's memoized cache key), so a kept object is also compiled only once.
_COMBINATIONS = 2 ** len(FILTERS)  # every combination of filters fits in the caches below


@lru_cache(maxsize=_COMBINATIONS)
def _count_statement(filters: tuple[str, ...]):
    """The counts and the filter options of one combination of filters (_counts)."""
    matching = and_(CompanySummary.company_id.is_not(None), ~_STALE, *(FILTERS[f] for f in filters))
    return (
        select(
            Company.jsic_division,
            Company.prefecture_code,
            func.count(),
            func.sum(case((_STALE, 1), else_=0)),
            func.sum(case((matching, 1), else_=0)),
        )
        .select_from(_CLIENTS)
        .where(_GRANTED)
        .group_by(Company.jsic_division, Company.prefecture_code)
    )


@lru_cache(maxsize=_COMBINATIONS * len(SORT_COLUMNS) * 2)
def _page_statement(filters: tuple[str, ...], sort: str, direction: str):
    """One page of the rows matching ``filters`` in the chosen order."""
    page = _PAGE.where(*(FILTERS[f] for f in filters))
    page = page.limit(bindparam("limit")).offset(bindparam("offset"))
    return _ordered(page, sort, direction)


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


@dataclass
class PortfolioView:
    total: int  # all the advisor's clients
    scored: int  # clients with a submitted year
    distribution: list[tuple[str, int]]
    weakest: list[WeakItem]


def portfolio_view(advisor) -> PortfolioView:
    """The level distribution and the weakest items over the advisor's clients, from their
    stored summaries (each client's newest card)."""
    params = _params(advisor)
    total, stale = db.session.connection().execute(_TOTALS, params).one()
    if stale:
        _refresh_stale(params)
    levels = db.session.execute(_LEVELS, params).all()
    counts = Counter()  # by band number (the labels are lazy strings: slow to hash)
    for r in levels:
        for band, (low, high, _label) in enumerate(LEVEL_BANDS):
            if low <= r.current_mean < high:
                counts[band] += 1
                break
    return PortfolioView(
        total=total,
        scored=len(levels),
        distribution=[(label, counts[band]) for band, (*_, label) in enumerate(LEVEL_BANDS)],
        weakest=weakest_items((r.index_version, r.item_levels) for r in levels),
    )


# (clients, clients whose row is missing or stale): the view needs no filter options.
_TOTALS = (
    select(func.count(), func.coalesce(func.sum(case((_STALE, 1), else_=0)), 0))
    .select_from(_CLIENTS)
    .where(_GRANTED)
)
_LEVELS = _PAGE.with_only_columns(
    CompanySummary.current_mean, CompanySummary.index_version, CompanySummary.item_levels
).where(CompanySummary.current_mean.is_not(None))


def weakest_items(clients, limit: int = 10) -> list[WeakItem]:
    """Items by the clients' mean current level, lowest first, over each client's newest card
    (``clients``: (index version, {item id: level}) pairs); ``lowest`` counts the clients for
    whom the item is at their own minimum level."""
    levels: dict[str, list[int]] = {}
    lowest = Counter()
    versions = set()
    for index_version, item_levels in clients:
        if not item_levels:
            continue
        versions.add(index_version)
        own = {i: level for i, level in item_levels.items() if level is not None}
        if not own:
            continue
        floor = min(own.values())
        for item_id, level in own.items():
            levels.setdefault(item_id, []).append(level)
            if level == floor:
                lowest[item_id] += 1
    titles: dict[str, str] = {}
    for version in sorted(versions):
        for item in load_index(version).items:
            titles.setdefault(item.id, item.title)
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
