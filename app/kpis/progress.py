"""View models for progress: each indicator and each qualitative target against the straight
line to its target (scoring.progress does the maths), and the yearly maturity scores."""

import math
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

from app.assessments.comparison import change_texts
from app.extensions import db
from app.kpis import services
from app.kpis.charts import LineChart, LineData, line_chart
from app.kpis.value_types import display, label_for_rank
from app.models import Answer, Assessment, Indicator
from app.web.numbers import percent_text, score_text
from questionnaires import Item, load_index
from scoring.maturity import MAX_LEVEL, MIN_LEVEL, round_half_away
from scoring.progress import STATUS_CODES, Series, Status, qualitative_target_status, status
from scoring.progress import trajectory as planned_path

STATUS_LABELS = {
    "achieved": "達成",
    "on_track": "順調",
    "behind": "遅れ",
    "missing": "実績未入力",
    "no_data": "データなし",
}
QUALITATIVE_CYCLE_YEARS = 3  # the index asks for the target level three years on
LEVEL_LABELS = {float(v): str(v) for v in range(MIN_LEVEL, MAX_LEVEL + 1)}


def count_statuses(statuses) -> dict[str, int]:
    counts = Counter(s.code for s in statuses)
    return {code: counts.get(code, 0) for code in STATUS_CODES}


def percent(value: float | None) -> str:
    """Progress and expected progress, whole percent (R9: 12.5% shows 13%)."""
    return percent_text(value, places=0)


# --- quantitative indicators -----------------------------------------------------------------


@dataclass(frozen=True)
class IndicatorProgress:
    indicator: Indicator
    values: dict[int, Decimal]
    status: Status
    chart: LineChart
    missing_years: list[int]

    @property
    def label(self) -> str:
        return STATUS_LABELS[self.status.code]

    def show(self, value) -> str:
        i = self.indicator
        return display(value, i.value_type, i.unit, i.scale)

    @property
    def latest_year(self) -> int | None:
        """The newest actual after the baseline year (shown even when a later one is due)."""
        years = [y for y in self.values if y > self.indicator.baseline_year]
        return max(years) if years else None

    @property
    def latest_text(self) -> str:
        year = self.latest_year
        if year is None:
            return "—"
        return f"{self.show(self.values[year])}（{year}年度）"

    @property
    def progress_text(self) -> str:
        return percent(self.status.progress)

    @property
    def expected_text(self) -> str:
        return percent(self.status.expected)


def series_of(indicator: Indicator, values: dict[int, Decimal]) -> Series:
    return Series(
        baseline_year=indicator.baseline_year,
        baseline=Decimal(indicator.baseline_value),
        target_year=indicator.target_year,
        target=Decimal(indicator.target_value),
        actuals={y: Decimal(v) for y, v in values.items()},
    )


def indicator_progress(
    indicator: Indicator, values: dict[int, Decimal], as_of: int, size: str = "full"
) -> IndicatorProgress:
    series = series_of(indicator, values)
    result = status(series, indicator.direction, as_of)
    years = range(indicator.baseline_year, max([indicator.target_year, *values]) + 1)

    def text(v) -> str:
        return display(v, indicator.value_type, indicator.unit, indicator.scale)

    def plan_text(v: float) -> str:
        if indicator.value_type == "ordered":  # a point between two labels has no label
            low, high = math.floor(v), math.ceil(v)
            if low == high:
                return "計画 " + label_for_rank(low, indicator.scale)
            labels = (label_for_rank(low, indicator.scale), label_for_rank(high, indicator.scale))
            return "計画 {}と{}の間".format(*labels)
        return "計画 " + text(round_half_away(v, 2))

    plan = dict(planned_path(series))
    actual = {indicator.baseline_year: Decimal(indicator.baseline_value)}
    actual.update({y: Decimal(v) for y, v in values.items() if y > indicator.baseline_year})
    y_labels = None
    if indicator.value_type == "ordered" and indicator.scale:
        y_labels = {
            float(rank): label_for_rank(rank, indicator.scale)
            for rank in range(len(indicator.scale))
        }
    chart = line_chart(
        list(years),
        [
            LineData("plan", "目標への直線", plan, {y: plan_text(v) for y, v in plan.items()}),
            LineData(
                "actual",
                "実績",
                {y: float(v) for y, v in actual.items()},
                {y: text(v) for y, v in actual.items()},
            ),
        ],
        y_labels=y_labels,
        size=size,
    )
    missing = [y for y in services.value_years(indicator) if y < as_of and y not in values]
    return IndicatorProgress(indicator, values, result, chart, missing)


def company_indicator_progress(company_id: int, as_of: int) -> list[IndicatorProgress]:
    indicators = services.active_indicators(company_id)
    values = services.values_by_indicator([i.id for i in indicators])
    return [indicator_progress(i, values[i.id], as_of, size="compact") for i in indicators]


# --- qualitative targets -----------------------------------------------------------------------


@dataclass(frozen=True)
class QualitativeTarget:
    item: Item
    set_year: int
    baseline: int
    target: int
    target_year: int
    actuals: dict[int, int]
    status: Status
    chart: LineChart

    @property
    def label(self) -> str:
        return STATUS_LABELS[self.status.code]


@dataclass(frozen=True)
class QualitativeSet:
    """The 35 target levels set in one submitted year, followed over the next three years."""

    set_year: int
    target_year: int
    later_years: list[int]
    targets: list[QualitativeTarget]
    running: bool

    @property
    def counts(self) -> dict[str, int]:
        return count_statuses(t.status for t in self.targets)


def _submitted(company_id: int) -> list[Assessment]:
    return list(
        db.session.scalars(
            db.select(Assessment)
            .where(Assessment.company_id == company_id, Assessment.status == "submitted")
            .order_by(Assessment.fiscal_year)
        )
    )


def _levels(assessment_ids) -> dict[int, dict[str, tuple[int | None, int | None]]]:
    result: dict[int, dict[str, tuple[int | None, int | None]]] = {a: {} for a in assessment_ids}
    if not result:
        return result
    rows = db.session.execute(
        db.select(
            Answer.assessment_id, Answer.item_id, Answer.current_level, Answer.target_level
        ).where(Answer.assessment_id.in_(list(result)))
    )
    for assessment_id, item_id, current, target in rows:
        result[assessment_id][item_id] = (current, target)
    return result


def qualitative_sets(company_id: int, as_of: int) -> list[QualitativeSet]:
    """One set per submitted year, newest first. Actuals are the current levels of later
    submitted years made with the same index version, up to the target year."""
    submitted = _submitted(company_id)
    levels = _levels([a.id for a in submitted])
    sets = []
    for source in submitted:
        index = load_index(source.index_version)
        target_year = source.fiscal_year + QUALITATIVE_CYCLE_YEARS
        later = [
            a
            for a in submitted
            if source.fiscal_year < a.fiscal_year <= target_year
            and a.index_version == source.index_version
        ]
        targets = []
        for item in index.items:
            current, target = levels[source.id].get(item.id, (None, None))
            if current is None or target is None:
                continue
            actuals = {
                a.fiscal_year: levels[a.id][item.id][0]
                for a in later
                if levels[a.id].get(item.id, (None, None))[0] is not None
            }
            result = qualitative_target_status(
                source.fiscal_year, current, target, target_year, actuals, as_of
            )
            series = Series(source.fiscal_year, current, target_year, target, actuals)
            chart = line_chart(
                list(range(source.fiscal_year, target_year + 1)),
                [
                    LineData("plan", "目標への直線", dict(planned_path(series))),
                    LineData("actual", "現在値", {source.fiscal_year: current, **actuals}),
                ],
                y_labels=LEVEL_LABELS,
                size="mini",
            )
            targets.append(
                QualitativeTarget(
                    item, source.fiscal_year, current, target, target_year, actuals, result, chart
                )
            )
        sets.append(
            QualitativeSet(
                source.fiscal_year,
                target_year,
                [a.fiscal_year for a in later],
                targets,
                running=target_year >= as_of,
            )
        )
    return list(reversed(sets))


# --- year-over-year maturity scores ----------------------------------------------------------


@dataclass(frozen=True)
class ScoreYear:
    fiscal_year: int
    overall: tuple[float | None, float | None]
    frameworks: dict[str, tuple[float | None, float | None]]
    change_text: str = "—"  # the overall current mean's change, with the compared year named


@dataclass(frozen=True)
class ScoreHistory:
    years: list[ScoreYear]
    charts: list[tuple[str, LineChart]]  # (title, chart)
    framework_names: dict[str, str]


def _pair(stat: dict | None) -> tuple[float | None, float | None]:
    if not stat:
        return None, None
    return stat.get("current_mean"), stat.get("target_mean")


def score_history(company_id: int) -> ScoreHistory:
    """Current and target means of every submitted year, from the stored score snapshots."""
    rows = [a for a in _submitted(company_id) if a.scores]
    changes = change_texts(company_id)
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
        )
        for a in rows
    ]
    charts = []
    if years:
        span = list(range(years[0].fiscal_year, years[-1].fiscal_year + 1))
        parts = [("全35項目", lambda y: y.overall)] + [
            (name, lambda y, fid=fid: y.frameworks.get(fid, (None, None)))
            for fid, name in names.items()
        ]
        for title, pick in parts:
            current = {y.fiscal_year: pick(y)[0] for y in years if pick(y)[0] is not None}
            target = {y.fiscal_year: pick(y)[1] for y in years if pick(y)[1] is not None}
            charts.append(
                (
                    title,
                    line_chart(
                        span,
                        [
                            LineData("current", "現在値の平均", current,
                                     {k: f"現在値 {score_text(v)}" for k, v in current.items()}),
                            LineData("target", "目標値の平均", target,
                                     {k: f"目標値 {score_text(v)}" for k, v in target.items()}),
                        ],
                        y_labels=LEVEL_LABELS,
                        size="half",
                    ),
                )
            )  # fmt: skip
    return ScoreHistory(years, charts, names)
