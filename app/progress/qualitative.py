"""Qualitative targets: the target levels set in each submitted year, followed over the next
three years against the straight line to the target (scoring.progress does the maths).

A later year answered with another index version follows a target through the stored item
mapping between the two versions (scoring rule P10, questionnaires/mapping.py): the level of the
newer item continuing the target's item (the lowest part of a split); where the item has no
continuation the year is 比較不可 for it.

Statuses and mini-chart geometry, pure functions of small integers, are remembered in the
progress feature's cache place (app/progress/cache.py)."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from flask_babel import get_locale

from app.indexes import services as index_versions
from app.kpis.progress import STATUS_LABELS, count_statuses
from app.progress.cache import target_chart, target_status
from app.progress.submitted import SubmittedYear, levels_of, submitted_years
from app.web.line_charts import LineChart
from questionnaires import Item, load_index
from questionnaires.mapping import continuations
from scoring.progress import Status, continued_level

QUALITATIVE_CYCLE_YEARS = 3  # the index asks for the target level three years on
# Status labels of target levels, for pages outside progress (which may not import kpis).
TARGET_STATUS_LABELS = STATUS_LABELS


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
    # Later years of another index version: {year: the newer items whose level was read}, or
    # in not_comparable the years in which the item has no continuation (比較不可).
    via: dict[int, tuple[str, ...]] = field(default_factory=dict)
    not_comparable: tuple[int, ...] = ()

    @property
    def label(self) -> str:
        return STATUS_LABELS[self.status.code]

    @property
    def later(self) -> list[tuple[int, int | None, tuple[str, ...]]]:
        """(year, level or None when 比較不可, newer items read) for each later year shown."""
        rows = [(y, v, self.via.get(y, ())) for y, v in self.actuals.items()]
        rows += [(y, None, ()) for y in self.not_comparable]
        return sorted(rows)


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

    @property
    def versions_differ(self) -> bool:
        return any(t.via or t.not_comparable for t in self.targets)


def qualitative_sets(
    company_id: int, as_of: int, submitted: list[SubmittedYear] | None = None
) -> list[QualitativeSet]:
    """One set per submitted year, newest first. Actuals are the current levels of later
    submitted years up to the target year, through the item mapping where a later year uses
    another index version (P10). A year being edited again counts with its last submitted
    version."""
    submitted = submitted_years(company_id) if submitted is None else submitted
    levels = levels_of(submitted)
    locale = str(get_locale())
    sets = []
    for source, target_year, later, followed in _followed_targets(submitted, levels, as_of):
        targets = []
        for f in followed:
            chart = target_chart(
                locale,
                source.fiscal_year,
                f.current,
                f.target,
                target_year,
                tuple(f.actuals.items()),
            )
            targets.append(
                QualitativeTarget(
                    f.item,
                    source.fiscal_year,
                    f.current,
                    f.target,
                    target_year,
                    f.actuals,
                    f.status,
                    chart,
                    f.via,
                    f.not_comparable,
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


@dataclass(frozen=True)
class TargetSummary:
    """A running set of target levels, counted by status (the dashboard's tile)."""

    set_year: int
    target_year: int
    counts: dict[str, int]


def running_target_summaries(
    company_id: int, as_of: int, submitted: list[SubmittedYear] | None = None
) -> list[TargetSummary]:
    """Each set of target levels still running (target year not past), newest first, by the
    rules of the progress page (across versions through the mapping), without its charts;
    ``submitted``: submitted_years(company_id) when the caller has loaded them already."""
    submitted = submitted_years(company_id) if submitted is None else submitted
    levels = levels_of(submitted)
    return [
        TargetSummary(source.fiscal_year, target_year, count_statuses(f.status for f in followed))
        for source, target_year, _later, followed in reversed(
            list(_followed_targets(submitted, levels, as_of))
        )
        if target_year >= as_of and followed
    ]


def running_target_statuses(submitted: list[SubmittedYear], levels: dict, as_of: int) -> list:
    """The status of every target level still running (target year not yet past), by the same
    rules as the progress page, without its charts: for lists over many companies, which load
    ``submitted`` and ``levels`` for all of them at once."""
    return [
        f.status
        for _source, target_year, _later, followed in _followed_targets(submitted, levels, as_of)
        if target_year >= as_of
        for f in followed
    ]


@dataclass(frozen=True)
class _Followed:
    item: Item
    current: int
    target: int
    actuals: dict[int, int]
    status: Status
    via: dict[int, tuple[str, ...]]
    not_comparable: tuple[int, ...]


MappingLookup = Callable[[str, str], Mapping[str, str | None] | None]


def _continuations_lookup(mapping_for: MappingLookup):
    """(older version, newer version) -> {older item: newer items continuing it}, or {} when the
    two versions have no stored mapping; each pair looked up once."""
    memo: dict[tuple[str, str], dict[str, tuple[str, ...]]] = {}

    def lookup(older: str, newer: str) -> dict[str, tuple[str, ...]]:
        if (older, newer) not in memo:
            predecessor_of = mapping_for(older, newer)
            memo[older, newer] = {} if predecessor_of is None else continuations(predecessor_of)
        return memo[older, newer]

    return lookup


def _followed_targets(
    submitted: list[SubmittedYear],
    levels: dict,
    as_of: int,
    mapping_for: MappingLookup | None = None,
):
    """(source year, target year, later years, [_Followed]) for each submitted year, oldest
    first. Later years of another version are read through the stored item mapping (P10)."""
    continued_by = _continuations_lookup(mapping_for or index_versions.predecessors)
    for source in submitted:
        index = load_index(source.index_version)
        target_year = source.fiscal_year + QUALITATIVE_CYCLE_YEARS
        later = [a for a in submitted if source.fiscal_year < a.fiscal_year <= target_year]
        followed = []
        for item in index.items:
            current, target = levels[source.assessment_id].get(item.id, (None, None))
            if current is None or target is None:
                continue
            actuals: dict[int, int] = {}
            via: dict[int, tuple[str, ...]] = {}
            not_comparable = []
            for a in later:
                answers = levels[a.assessment_id]
                if a.index_version == source.index_version:
                    level = answers.get(item.id, (None, None))[0]
                else:
                    new_ids = continued_by(source.index_version, a.index_version).get(item.id)
                    if not new_ids:
                        not_comparable.append(a.fiscal_year)
                        continue
                    via[a.fiscal_year] = new_ids
                    level = continued_level([answers.get(n, (None, None))[0] for n in new_ids])
                if level is not None:
                    actuals[a.fiscal_year] = level
            result = target_status(
                source.fiscal_year,
                current,
                target,
                target_year,
                tuple(actuals.items()),
                as_of,
                tuple(not_comparable),
            )
            followed.append(
                _Followed(item, current, target, actuals, result, via, tuple(not_comparable))
            )
        yield source, target_year, later, followed
