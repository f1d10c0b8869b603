"""The progress feature's one cache place: pure functions of a few small values that repeat
for every item, company and request, remembered per worker (bounded ``lru_cache``s), and the
progress and history pages' parts drawn from the company's submitted years (``progress_parts``
and ``history_parts``, keyed by the years' stamps) and the progress page's from its 定量指標 as
read on each request (``kpi_parts``, keyed by every column of those rows): three stores of
``PROGRESS_CACHE_SIZE`` entries and ``PROGRESS_CACHE_BYTES`` bytes each per worker, a size of 0
switches them off (app/web/drawn_cache.py).

Every key holds everything the result depends on (the language where a result carries
translated text), and the results are immutable, so a hit can never be stale or shared
mutably. The charts' markup is remembered by app/web/chart_markup.py.
"""

from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache

from flask import current_app, request
from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import Markup

from app.kpis import progress as kpi_progress
from app.kpis import services as kpi_services
from app.models import Indicator
from app.progress.submitted import LEVEL_LABELS, submitted_years, year_stamps
from app.web.drawn_cache import SHARED, Packed, store
from app.web.line_charts import LineChart, LineData, line_chart
from app.web.numbers import score_text
from questionnaires import load_index
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


@lru_cache(maxsize=1024)
def target_chart(locale, set_year, current, target, target_year, actuals: tuple) -> LineChart:
    """The mini chart of one target level: like target_status, a pure function of a few
    small integers that repeats for every item with the same levels, so the straight line
    (exact arithmetic in scoring.progress) and its geometry are worked out once per
    combination and language (``locale``: the legend is translated). Asked only while the
    progress page's parts (or a PDF report) are drawn; about 3.5 kB a chart (points with
    translated tooltips), so 1,024 of them are ~3.5 MB a worker (4,096 were ~14 MB)."""
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


# ---- the page parts drawn from the submitted years (app/web/drawn_cache.py) ------------------

PARTS = "progress_parts"
SIZE_SETTING = "PROGRESS_CACHE_SIZE"
BYTES_SETTING = "PROGRESS_CACHE_BYTES"
# The targets' item charts (35 per year's targets) are 250 kB as a str for two submitted years
# (2 bytes a character: the markup holds Japanese), ~500 kB for four; kept Packed, about 5-10 kB
# an entry (bench/README.md, "Worker memory with the caches full").
DEFAULT_SIZE = 64
DEFAULT_BYTES = 2 * 2**20
TEMPLATE = "progress/_parts.html"


@dataclass(frozen=True)
class ProgressParts:
    """The progress page's parts drawn from the company's submitted years alone (the targets
    followed over the years, the yearly means and charts, the reopened-year note)."""

    # the index definitions drawn with, kept so their ids in the key stay theirs
    indexes: tuple = field(metadata=SHARED)
    # the same, for the template module (a new one when the file is edited)
    macros: object = field(metadata=SHARED)
    note: Markup
    running: Markup
    qualitative: Packed


def progress_parts(company_id: int, as_of: int, labels: dict) -> ProgressParts:
    """The drawn parts of the company's progress page as of fiscal year ``as_of``.

    Keyed by one statement that reads no scores (submitted.year_stamps: each year's id, index
    version, status, submitted_at and newest kept version; the stored item mappings' digests
    when a comparison may go through one), the loaded index definitions of those versions, the
    fiscal year the targets are judged at and the locale (``labels``: the status labels in it).
    A submission, a reopened year, a new year or a replaced mapping is a new key."""
    stamps = year_stamps(company_id)
    indexes = tuple(load_index(v) for v in sorted({s[2] for s in stamps[0]}))
    macros = current_app.jinja_env.get_template(TEMPLATE).module
    key = (
        company_id,
        as_of,
        stamps,
        tuple(id(i) for i in indexes),
        id(macros),
        str(get_locale()),
    )
    return _store(PARTS).get_or_draw(key, lambda: _draw(company_id, as_of, labels, indexes, macros))


def _store(name: str):
    return store(name, SIZE_SETTING, DEFAULT_SIZE, BYTES_SETTING, DEFAULT_BYTES)


def _draw(company_id, as_of, labels, indexes, macros) -> ProgressParts:
    from app.progress.history import score_history  # (both import this module's charts)
    from app.progress.qualitative import qualitative_sets

    submitted = submitted_years(company_id)
    sets = qualitative_sets(company_id, as_of, submitted)
    history = score_history(company_id, submitted)
    return ProgressParts(
        indexes,
        macros,
        macros.note(history),
        macros.running_sets([s for s in sets if s.running] or sets[:1], labels),
        Packed(macros.qualitative(sets, history, labels)),
    )


HISTORY_PARTS = "history_parts"
HISTORY_TEMPLATE = "progress/_history_parts.html"


@dataclass(frozen=True)
class HistoryParts:
    """The history page's parts drawn from the company's submitted years alone: ``head`` (the
    yearly results, the reopened-year note, the charts; or the no-year note) and ``tail`` (the
    targets set each year), which the page puts around its live team section."""

    indexes: tuple = field(metadata=SHARED)  # kept so that their ids in the key stay theirs
    macros: object = field(metadata=SHARED)
    shown: bool  # a submitted year to show (else the page has only ``head``'s note)
    head: Markup
    tail: Markup


def history_parts(company_id: int) -> HistoryParts:
    """The drawn parts of the company's history page, keyed like progress_parts (the years'
    stamps, the index definitions of their versions, the locale) without an as-of year: the
    history shows the submitted years only, never a judgement as of today. A submission, a
    reopened year, a new year or a replaced mapping is a new key."""
    stamps = year_stamps(company_id)
    indexes = tuple(load_index(v) for v in sorted({s[2] for s in stamps[0]}))
    macros = current_app.jinja_env.get_template(HISTORY_TEMPLATE).module
    key = (company_id, stamps, tuple(id(i) for i in indexes), id(macros), str(get_locale()))

    def draw() -> HistoryParts:
        from app.progress.history import company_history  # (it imports this module's charts)

        history = company_history(company_id)
        shown = bool(history.years)
        tail = macros.tail(history) if shown else Markup()
        return HistoryParts(indexes, macros, shown, macros.head(history), tail)

    return _store(HISTORY_PARTS).get_or_draw(key, draw)


KPI_PARTS = "progress_kpi_parts"


@dataclass(frozen=True)
class KpiParts:
    """The progress page's 定量指標: the summary's count line and the cards."""

    macros: object = field(metadata=SHARED)
    summary: Markup
    cards: Packed  # a few kB a card as a str


def kpi_parts(company_id: int, as_of: int, labels: dict) -> KpiParts:
    """The 定量指標 parts of the company's progress page as of fiscal year ``as_of``.

    The company's active indicators and their actuals are read on every request (one
    statement); what is drawn from them (statuses, plan lines, charts, cards) is kept per key
    of every column of those rows, the actuals, ``as_of``, the locale and the script root
    (links): an edited indicator, a new actual, an archived or new indicator is a new key."""
    indicators, values = kpi_services.active_indicators_with_values(company_id)
    macros = current_app.jinja_env.get_template(TEMPLATE).module
    rows = tuple(
        (
            tuple(_plain(getattr(i, column.key)) for column in _INDICATOR_COLUMNS),
            tuple((year, str(v)) for year, v in sorted(values[i.id].items())),
        )
        for i in indicators
    )
    key = (company_id, as_of, rows, id(macros), str(get_locale()), request.script_root)

    def draw() -> KpiParts:
        progress = [
            kpi_progress.indicator_progress(i, values[i.id], as_of, size="compact")
            for i in indicators
        ]
        counts = kpi_progress.count_statuses(p.status for p in progress)
        return KpiParts(
            macros,
            macros.kpi_summary(progress, counts, labels),
            Packed(macros.kpi_cards(progress, labels, company_id)),
        )

    return _store(KPI_PARTS).get_or_draw(key, draw)


_INDICATOR_COLUMNS = tuple(Indicator.__mapper__.column_attrs)


def _plain(value):
    """A column's value as a key part: exact text for numbers (1.0 and 1.00 print apart), JSON
    lists and objects as tuples."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list):
        return tuple(_plain(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _plain(v)) for k, v in value.items()))
    return value
