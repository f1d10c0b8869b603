"""The yearly maturity scores of a company, from the stored score snapshots: the summary on
the progress page (score_history) and the history page (company_history)."""

from dataclasses import dataclass, field

from flask_babel import get_locale
from flask_babel import gettext as _

from app.indexes import services as index_versions
from app.progress.cache import level_chart
from app.progress.comparison import change_texts, labels_for, year_cards, year_comparisons
from app.progress.submitted import levels_of, submitted_years
from app.web.line_charts import LineChart
from questionnaires import load_index


@dataclass(frozen=True)
class ScoreYear:
    fiscal_year: int
    overall: tuple[float | None, float | None]
    frameworks: dict[str, tuple[float | None, float | None]]
    change_text: str = "—"  # the overall current mean's change, with the compared year named
    revision: int | None = None  # while the year is edited again: the shown version's number


@dataclass(frozen=True)
class ScoreHistory:
    years: list[ScoreYear]
    charts: list[tuple[str, LineChart]]  # (title, chart)
    framework_names: dict[str, str]


def _pair(stat: dict | None) -> tuple[float | None, float | None]:
    if not stat:
        return None, None
    return stat.get("current_mean"), stat.get("target_mean")


def score_history(company_id: int, rows: list | None = None) -> ScoreHistory:
    """Current and target means of every submitted year, from the stored score snapshots (a
    year being edited again by its last submitted version); ``rows``: submitted_years() when
    the caller has them already."""
    rows = submitted_years(company_id) if rows is None else rows
    changes = change_texts(company_id, year_cards(company_id, rows))
    names: dict[str, str] = {}
    for a in rows:
        for framework in load_index(a.index_version).frameworks:
            names.setdefault(framework.id, framework.name)
    years = [
        ScoreYear(
            a.fiscal_year,
            _pair(a.scores.get("overall")),
            {fid: _pair(a.scores.get("frameworks", {}).get(fid)) for fid in names},
            changes.get(a.fiscal_year, "—"),
            a.revision,
        )
        for a in rows
    ]
    charts = []
    if years:
        span = list(range(years[0].fiscal_year, years[-1].fiscal_year + 1))
        parts = [(_("全項目"), lambda y: y.overall)] + [
            (name, lambda y, fid=fid: y.frameworks.get(fid, (None, None)))
            for fid, name in names.items()
        ]
        for title, pick in parts:
            current = {y.fiscal_year: pick(y)[0] for y in years if pick(y)[0] is not None}
            target = {y.fiscal_year: pick(y)[1] for y in years if pick(y)[1] is not None}
            charts.append((title, _level_chart(span, current, target)))
    return ScoreHistory(years, charts, names)


@dataclass(frozen=True)
class Figure:
    """One score of one year: current and target means and their change against the
    compared year (None: first year, or not comparable)."""

    current: float | None
    target: float | None
    change_current: float | None
    change_target: float | None


@dataclass(frozen=True)
class HistoryYear:
    fiscal_year: int
    index_version: str
    figures: dict[str, Figure]  # "all", framework ids, group ids
    change_label: str | None  # 前年度比 / 2024年度比; None for the first year
    comparable: bool
    note: str | None  # why a change is not shown, or that the compared year is being re-edited
    revision: int | None = None  # shown by this kept version while the year is edited again


@dataclass(frozen=True)
class HistoryChart:
    key: str
    title: str
    kind: str  # "overall", "framework" or "group"
    chart: LineChart


@dataclass(frozen=True)
class ItemTargets:
    item_id: str
    title: str
    levels: dict[int, tuple[int | None, int | None]]  # {year: (current, target)}
    # Years of an older version, read through the stored item mapping: {year: older item id};
    # not_comparable: years in which the item has no single older item (or no mapping).
    via: dict[int, str] = field(default_factory=dict)
    not_comparable: tuple[int, ...] = ()


@dataclass(frozen=True)
class CompanyHistory:
    years: list[HistoryYear]  # oldest first
    charts: list[HistoryChart]
    items: list[ItemTargets]  # the target level set in each year, item by item

    @property
    def newest_first(self) -> list[HistoryYear]:
        return list(reversed(self.years))


def _level_chart(span: list[int], current: dict, target: dict) -> LineChart:
    return level_chart(
        str(get_locale()), span[0], span[-1], tuple(current.items()), tuple(target.items())
    )


def company_history(company_id: int) -> CompanyHistory:
    """Every submitted year (a year being edited again by its last submitted version) with
    its overall, framework and group means, each one's change against the compared year
    (scoring rule R10, derived now), a line chart per figure, and the levels set per item."""
    rows = submitted_years(company_id)
    if not rows:
        return CompanyHistory([], [], [])
    cards = year_cards(company_id, rows)
    comparisons = year_comparisons(company_id, cards)
    newest = load_index(rows[-1].index_version)
    parts = [("all", _("全%(count)s項目", count=len(newest.items)), "overall")]
    parts += [(f.id, f.name, "framework") for f in newest.frameworks]
    parts += [(g.id, f"{g.id} {g.title}", "group") for g in newest.groups]

    years = []
    for row in rows:
        card = cards[row.fiscal_year].card
        comparison = comparisons.get(row.fiscal_year)
        delta = comparison.delta if comparison else None
        labels = labels_for(comparison)
        figures = {}
        for key, _label, kind in parts:
            if kind == "overall":
                stat, change = card.overall, delta.overall if delta else None
            elif kind == "framework":
                stat = card.frameworks.get(key)
                change = delta.frameworks.get(key) if delta else None
            else:
                stat = card.groups.get(key)
                change = delta.groups.get(key) if delta else None
            figures[key] = Figure(
                stat.current_mean if stat else None,
                stat.target_mean if stat else None,
                change.current if change else None,
                change.target if change else None,
            )
        years.append(
            HistoryYear(
                row.fiscal_year,
                row.index_version,
                figures,
                labels.change if labels else None,
                bool(comparison and comparison.comparable),
                labels.note if labels else None,
                row.revision,
            )
        )

    span = list(range(years[0].fiscal_year, years[-1].fiscal_year + 1))
    charts = []
    for key, title, kind in parts:
        current = {
            y.fiscal_year: y.figures[key].current
            for y in years
            if y.figures[key].current is not None
        }
        target = {
            y.fiscal_year: y.figures[key].target for y in years if y.figures[key].target is not None
        }
        charts.append(HistoryChart(key, title, kind, _level_chart(span, current, target)))

    levels = levels_of(rows)
    # {year: {newest item: the item read in that year, or None}}: the same item in a year of
    # the newest version, its one predecessor through the stored mapping otherwise (R10).
    read_as: dict[int, dict[str, str | None]] = {}
    for row in rows:
        if row.index_version == newest.version_id:
            read_as[row.fiscal_year] = {i: i for i in newest.item_ids}
        else:
            mapped = index_versions.predecessors(row.index_version, newest.version_id)
            read_as[row.fiscal_year] = dict(mapped) if mapped else {}
    items = []
    for item in newest.items:
        item_levels, via, not_comparable = {}, {}, []
        for row in rows:
            source = read_as[row.fiscal_year].get(item.id)
            if source is None:
                not_comparable.append(row.fiscal_year)
                item_levels[row.fiscal_year] = (None, None)
                continue
            if source != item.id:
                via[row.fiscal_year] = source
            item_levels[row.fiscal_year] = levels[row.assessment_id].get(source, (None, None))
        items.append(ItemTargets(item.id, item.title, item_levels, via, tuple(not_comparable)))
    return CompanyHistory(years, charts, items)
