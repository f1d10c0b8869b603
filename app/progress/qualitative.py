"""Qualitative targets: the target levels set in each submitted year, followed over the next
three years against the straight line to the target (scoring.progress does the maths)."""

from dataclasses import dataclass
from functools import lru_cache

from flask_babel import gettext as _

from app.kpis.progress import STATUS_LABELS, count_statuses
from app.progress.submitted import LEVEL_LABELS, SubmittedYear, levels_of, submitted_years
from app.web.line_charts import LineChart, LineData, line_chart
from questionnaires import Item, load_index
from scoring.progress import Series, Status, qualitative_target_status
from scoring.progress import trajectory as planned_path

QUALITATIVE_CYCLE_YEARS = 3  # the index asks for the target level three years on


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
    """The target levels of every item set in one submitted year, followed over the next three
    years."""

    set_year: int
    target_year: int
    later_years: list[int]
    targets: list[QualitativeTarget]
    running: bool
    revision: int | None = None  # the set year is being edited again: its last submitted version
    reopened_later: tuple[int, ...] = ()  # later years shown by their last submitted version

    @property
    def counts(self) -> dict[str, int]:
        return count_statuses(t.status for t in self.targets)


def qualitative_sets(company_id: int, as_of: int) -> list[QualitativeSet]:
    """One set per submitted year, newest first. Actuals are the current levels of later
    submitted years made with the same index version, up to the target year. A year being
    edited again counts with its last submitted version."""
    submitted = submitted_years(company_id)
    levels = levels_of(submitted)
    sets = []
    for source, target_year, later, followed in _followed_targets(submitted, levels, as_of):
        targets = []
        for item, current, target, actuals, result in followed:
            series = Series(source.fiscal_year, current, target_year, target, actuals)
            chart = line_chart(
                list(range(source.fiscal_year, target_year + 1)),
                [
                    LineData("plan", _("目標への直線"), dict(planned_path(series))),
                    LineData("actual", _("現在値"), {source.fiscal_year: current, **actuals}),
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
                revision=source.revision,
                reopened_later=tuple(a.fiscal_year for a in later if a.reopened),
            )
        )
    return list(reversed(sets))


def running_target_statuses(submitted: list[SubmittedYear], levels: dict, as_of: int) -> list:
    """The status of every target level still running (target year not yet past), by the same
    rules as the progress page, without its charts: for lists over many companies, which load
    ``submitted`` and ``levels`` for all of them at once."""
    return [
        result
        for source, target_year, _later, followed in _followed_targets(submitted, levels, as_of)
        if target_year >= as_of
        for _item, _current, _target, _actuals, result in followed
    ]


@lru_cache(maxsize=8192)
def _target_status(set_year, current, target, target_year, actuals: tuple, as_of) -> Status:
    """scoring.progress.qualitative_target_status, remembered: a pure function of a few small
    integers, asked with the same arguments for many items and companies (client lists)."""
    return qualitative_target_status(set_year, current, target, target_year, dict(actuals), as_of)


def _followed_targets(submitted: list[SubmittedYear], levels: dict, as_of: int):
    """(source year, target year, later years, [(item, current, target, actuals, status)])
    for each submitted year, oldest first."""
    for source in submitted:
        index = load_index(source.index_version)
        target_year = source.fiscal_year + QUALITATIVE_CYCLE_YEARS
        later = [
            a
            for a in submitted
            if source.fiscal_year < a.fiscal_year <= target_year
            and a.index_version == source.index_version
        ]
        followed = []
        for item in index.items:
            current, target = levels[source.assessment_id].get(item.id, (None, None))
            if current is None or target is None:
                continue
            actuals = {
                a.fiscal_year: levels[a.assessment_id][item.id][0]
                for a in later
                if levels[a.assessment_id].get(item.id, (None, None))[0] is not None
            }
            result = _target_status(
                source.fiscal_year, current, target, target_year, tuple(actuals.items()), as_of
            )
            followed.append((item, current, target, actuals, result))
        yield source, target_year, later, followed
