"""View models for indicator progress: each indicator against the straight line to its target
(scoring.progress does the maths). Its statuses and labels are shared with app/progress/."""

import math
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

from flask_babel import get_locale, lazy_gettext
from flask_babel import gettext as _

from app.kpis import cache, services
from app.kpis.value_types import display, label_for_rank
from app.models import Indicator
from app.web.line_charts import LineChart, LineData, line_chart
from app.web.numbers import percent_text
from scoring.maturity import round_half_away
from scoring.progress import NOT_COMPARABLE, STATUS_CODES, Series, Status, status
from scoring.progress import trajectory as planned_path

STATUS_LABELS = {
    "achieved": lazy_gettext("達成"),
    "on_track": lazy_gettext("順調"),
    "behind": lazy_gettext("遅れ"),
    "missing": lazy_gettext("実績未入力"),
    "no_data": lazy_gettext("データなし"),
    # qualitative targets across index versions only (P10)
    NOT_COMPARABLE: lazy_gettext("比較不可"),
}


def count_statuses(statuses) -> dict[str, int]:
    """Counts per status; 比較不可 only when some status is (KPIs and one-version companies
    never show it)."""
    counts = Counter(s.code for s in statuses)
    result = {code: counts.get(code, 0) for code in STATUS_CODES}
    if counts.get(NOT_COMPARABLE):
        result[NOT_COMPARABLE] = counts[NOT_COMPARABLE]
    return result


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
        return _("%(value)s（%(year)s年度）", value=self.show(self.values[year]), year=year)

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
    key = cache.indicator_key(indicator, values, as_of, size, str(get_locale()))
    result, chart = cache.cached(key, lambda: _status_and_chart(indicator, values, as_of, size))
    missing = [y for y in services.value_years(indicator) if y < as_of and y not in values]
    return IndicatorProgress(indicator, values, result, chart, missing)


def _status_and_chart(indicator, values, as_of: int, size: str) -> tuple[Status, LineChart]:
    series = series_of(indicator, values)
    result = status(series, indicator.direction, as_of)
    years = range(indicator.baseline_year, max([indicator.target_year, *values]) + 1)

    def text(v) -> str:
        return display(v, indicator.value_type, indicator.unit, indicator.scale)

    def plan_text(v: float) -> str:
        if indicator.value_type == "ordered":  # a point between two labels has no label
            low, high = math.floor(v), math.ceil(v)
            if low == high:
                return _("計画 %(value)s", value=label_for_rank(low, indicator.scale))
            labels = (label_for_rank(low, indicator.scale), label_for_rank(high, indicator.scale))
            return _("計画 %(low)sと%(high)sの間", low=labels[0], high=labels[1])
        return _("計画 %(value)s", value=text(round_half_away(v, 2)))

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
            LineData("plan", _("目標への直線"), plan, {y: plan_text(v) for y, v in plan.items()}),
            LineData(
                "actual",
                _("実績"),
                {y: float(v) for y, v in actual.items()},
                {y: text(v) for y, v in actual.items()},
            ),
        ],
        y_labels=y_labels,
        size=size,
    )
    return result, chart


def company_indicator_progress(company_id: int, as_of: int) -> list[IndicatorProgress]:
    indicators, values = services.active_indicators_with_values(company_id)
    return [indicator_progress(i, values[i.id], as_of, size="compact") for i in indicators]
