"""Where a team's individual views diverge (issue 17): pure Python, no Flask/SQLAlchemy.

Inputs are plain ``View`` tuples (one participant's levels for one item). The figures:

- spread of an item: max - min of the current levels given for it (None with fewer than two);
- cell mean: the mean current level of one perspective's participants for one item (heat map);
- group mean: the mean current level one perspective gave over the items of one group (a
  framework or pillar of the index version, whatever the version defines);
- the widest gap per group: the two perspectives whose group means lie furthest apart.

Means are exact Fractions; the caller rounds for display (R9 half away from zero).
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction


@dataclass(frozen=True, slots=True)
class View:
    participant: object  # any hashable key of the participant
    perspective: str
    item_id: str
    current: int | None
    target: int | None


@dataclass(frozen=True, slots=True)
class ItemSpread:
    item_id: str
    low: int | None
    high: int | None
    count: int  # current levels given

    @property
    def spread(self) -> int | None:
        return None if self.count < 2 else self.high - self.low


@dataclass(frozen=True, slots=True)
class Gap:
    group: str
    high: str  # the perspective that rates the group higher
    low: str
    high_mean: Fraction
    low_mean: Fraction

    @property
    def difference(self) -> Fraction:
        return self.high_mean - self.low_mean


def _mean(values: list[int]) -> Fraction | None:
    return Fraction(sum(values), len(values)) if values else None


def item_spreads(views: Iterable[View], item_ids: Sequence[str]) -> dict[str, ItemSpread]:
    """The spread of current levels per item of ``item_ids`` (in that order)."""
    levels: dict[str, list[int]] = {i: [] for i in item_ids}
    for v in views:
        if v.current is not None and v.item_id in levels:
            levels[v.item_id].append(v.current)
    return {
        i: ItemSpread(i, min(ls) if ls else None, max(ls) if ls else None, len(ls))
        for i, ls in levels.items()
    }


def widest_first(spreads: Mapping[str, ItemSpread]) -> list[ItemSpread]:
    """Items by spread, widest first; ties keep the index order; items without a spread last."""
    order = {item_id: n for n, item_id in enumerate(spreads)}
    return sorted(
        spreads.values(),
        key=lambda s: (s.spread is None, -(s.spread or 0), order[s.item_id]),
    )


def cell_means(views: Iterable[View]) -> dict[tuple[str, str], Fraction]:
    """{(item_id, perspective): mean current level} over the views that give one."""
    cells: dict[tuple[str, str], list[int]] = {}
    for v in views:
        if v.current is not None:
            cells.setdefault((v.item_id, v.perspective), []).append(v.current)
    return {key: _mean(values) for key, values in cells.items()}


def group_means(
    views: Iterable[View], group_of: Mapping[str, str]
) -> dict[tuple[str, str], Fraction]:
    """{(group, perspective): mean current level} over every view of that perspective of an
    item in that group (each participant's every rated item counts once)."""
    cells: dict[tuple[str, str], list[int]] = {}
    for v in views:
        group = group_of.get(v.item_id)
        if v.current is not None and group is not None:
            cells.setdefault((group, v.perspective), []).append(v.current)
    return {key: _mean(values) for key, values in cells.items()}


def widest_gaps(
    means: Mapping[tuple[str, str], Fraction],
    groups: Sequence[str],
    perspectives: Sequence[str],
) -> list[Gap]:
    """Per group (in ``groups`` order), the two perspectives furthest apart; groups where fewer
    than two perspectives rated, or all agree, give none. Ties go to the earlier perspectives
    in ``perspectives`` order, so the sentence is stable."""
    gaps = []
    for group in groups:
        rated = [(p, means[group, p]) for p in perspectives if (group, p) in means]
        if len(rated) < 2:
            continue
        high = max(rated, key=lambda pm: pm[1])  # max/min keep the first of equals
        low = min(rated, key=lambda pm: pm[1])
        if high[1] > low[1]:
            gaps.append(Gap(group, high[0], low[0], high[1], low[1]))
    return gaps


@dataclass(frozen=True, slots=True)
class SpreadChange:
    item_id: str
    before: int | None
    now: int | None


def spread_changes(
    now: Mapping[str, ItemSpread], before: Mapping[str, ItemSpread]
) -> list[SpreadChange]:
    """This year's spread beside last year's, for the items rated in both years (this year's
    order), keeping only items where either year had views diverge."""
    changes = []
    for item_id, spread in now.items():
        earlier = before.get(item_id)
        if earlier is None or (earlier.spread is None and spread.spread is None):
            continue
        changes.append(SpreadChange(item_id, earlier.spread, spread.spread))
    return changes


DISAGREEMENT = 2  # levels: a spread this wide is a disagreement worth discussing


def persisted(changes: Iterable[SpreadChange], threshold: int = DISAGREEMENT) -> list[SpreadChange]:
    """The items whose views diverged by ``threshold`` levels or more in both years."""
    return [
        c
        for c in changes
        if c.before is not None
        and c.now is not None
        and c.before >= threshold
        and c.now >= threshold
    ]
