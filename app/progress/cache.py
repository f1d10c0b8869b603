"""The progress feature's one cache place: pure functions of a few small values that repeat
for every item, company and request, remembered per worker (bounded ``lru_cache``s).

Every key holds everything the result depends on (the language where a result carries
translated text), and the results are immutable, so a hit can never be stale or shared
mutably. The charts' markup is remembered by app/web/chart_markup.py.
"""

from functools import lru_cache

from flask_babel import gettext as _

from app.progress.submitted import LEVEL_LABELS
from app.web.line_charts import LineChart, LineData, line_chart
from app.web.numbers import score_text
from scoring.progress import Series, Status, qualitative_target_status
from scoring.progress import trajectory as planned_path


@lru_cache(maxsize=8192)
def target_status(
    set_year, current, target, target_year, actuals: tuple, as_of, not_comparable: tuple = ()
) -> Status:
    """scoring.progress.qualitative_target_status, remembered: a pure function of a few small
    integers, asked with the same arguments for many items and companies (client lists)."""
    return qualitative_target_status(
        set_year, current, target, target_year, dict(actuals), as_of, not_comparable
    )


@lru_cache(maxsize=4096)
def target_chart(locale, set_year, current, target, target_year, actuals: tuple) -> LineChart:
    """The mini chart of one target level: like target_status, a pure function of a few
    small integers that repeats for every item with the same levels and on every request,
    so the straight line (exact arithmetic in scoring.progress) and its geometry are worked
    out once per combination and language (``locale``: the legend is translated)."""
    series = Series(set_year, current, target_year, target, dict(actuals))
    return line_chart(
        list(range(set_year, target_year + 1)),
        [
            LineData("plan", _("目標への直線"), dict(planned_path(series))),
            LineData("actual", _("現在値"), {set_year: current, **dict(actuals)}),
        ],
        y_labels=LEVEL_LABELS,
        size="mini",
    )


@lru_cache(maxsize=1024)
def level_chart(locale, first_year: int, last_year: int, current: tuple, target: tuple):
    """The chart of current and target means over the years (progress and history pages):
    ``current`` and ``target`` are ((year, mean), ...). About 15 charts a page, each with a
    translated tooltip per point; they change only when a year is submitted again (new means:
    a new key)."""
    current_texts = {year: _("現在値 %(mean)s", mean=score_text(v)) for year, v in current}
    target_texts = {year: _("目標値 %(mean)s", mean=score_text(v)) for year, v in target}
    return line_chart(
        list(range(first_year, last_year + 1)),
        [
            LineData("current", _("現在値の平均"), dict(current), current_texts),
            LineData("target", _("目標値の平均"), dict(target), target_texts),
        ],
        y_labels=LEVEL_LABELS,
        size="half",
    )
