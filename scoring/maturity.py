"""Maturity scoring for the DX推進指標 (METI, 2019) self-assessment.

Pure standard-library code: no Flask, no database.  The questionnaire shape is
passed in as a :class:`Structure` (plain ids), the answers as a plain mapping.

Rules (``SCORING_VERSION`` = "1")
---------------------------------

R1  Levels.  Every current and target level is an ``int`` in 0..5.  ``bool`` is
    rejected (``True`` is not a level), so are floats such as ``3.0``/``3.5``
    and strings such as ``"3"``.  Any invalid level, and any answer for an item
    id that is not in the structure, raises ``ValueError``.  ``None`` means
    "not answered".

R2  Unanswered values.  A missing item, or a ``None`` current/target value, is
    left out of every mean and median; ``n_current``/``n_target`` count only the
    answered values.  The current and target sides are counted independently.

R3  Completeness.  ``ScoreCard.complete`` is ``True`` iff every item of the
    structure has both a current and a target level.

R4  Statistics (``Stat``).  For the whole assessment ("overall"), for each
    framework ("mgmt", "it") and for each key question (group = the KQ with
    its sub-questions, every item weighted equally): the arithmetic mean
    (``statistics.fmean``) and the median (``statistics.median``, the mean of
    the two middle values for an even count) of the answered current and
    target levels.  ``None`` when there is no value.  ``gap`` is
    ``target_mean - current_mean`` (``None`` if either side is ``None``).
    Nothing is rounded inside the package; use :func:`round2` for display.

R5  Item scores.  ``ItemScore.gap`` is ``target - current`` (``None`` unless
    both are answered).  A target below the current level is allowed and gives
    a negative gap.

R6  Leading company (先行企業, IPA's definition).  ``leading`` is ``True`` iff
    the mean current level over all answered items is at least 3 (the default
    rule; a version may define its own ``leading_rule``: scale, threshold and
    scope, carried by the Structure, or none, which gives ``None``).  The
    comparison is exact integer arithmetic (``sum >= 3 * n``), never a float
    comparison.  ``None`` when no current level is answered.  It is computed
    over the answered items even when the assessment is incomplete; callers
    that only want to show it for complete assessments check ``complete``.

R7  Year-over-year delta.  With a previous ``ScoreCard``, ``delta`` holds
    ``this - previous`` for the overall, framework and group current/target
    means and for each item's current/target level.  A value is ``None``
    ("not comparable") when either side is ``None`` or when the framework,
    group or item does not exist in the previous card.  The previous card's
    own delta is ignored; cards of another scoring version are still compared
    (``Delta.previous_version`` records the version for the caller).

R8  Storage.  ``ScoreCard.to_dict()`` gives a JSON-safe dict (str keys, ints,
    floats, None, bools, str) and ``ScoreCard.from_dict()`` restores an equal
    card.  A stored card keeps the ``scoring_version`` it was computed with.

R9  Display rounding.  :func:`round_half_away` rounds half away from zero
    on the shortest decimal representation of the float (so 2.675 gives 2.68
    at two places, 2.125 gives 2.13, 31.25 gives 31.3 at one place, 12.5
    gives 13 at none); :func:`round2` is the two-decimal case.  Every figure
    the app shows or exports (means, medians, gaps, changes, shares,
    percentages) is rounded by it.  With at most 200 items a mean below 3 can
    never display as "3.00" (the largest such mean over n items is 3 - 1/n).

R10 Which year a change compares against.  :func:`compare_years` derives a
    year's change at display time from the stored cards as they are now:
    the compared year is the latest earlier year that has a card (a submitted
    year's card, or for a year reopened into a draft the card of its last
    submitted version).  The change is R7 against that card, and only when
    both years use the same index version; otherwise every change is ``None``
    (not comparable).  A card's own stored ``delta`` is never used for display.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, replace
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from types import MappingProxyType
from typing import Any

__all__ = [
    "LEADING_THRESHOLD",
    "is_leading",
    "MAX_LEVEL",
    "MIN_LEVEL",
    "SCORING_VERSION",
    "Change",
    "Delta",
    "ItemScore",
    "ScoreCard",
    "Stat",
    "Structure",
    "YearCard",
    "YearComparison",
    "compare_years",
    "compute_mapped_delta",
    "compute_delta",
    "round2",
    "round_half_away",
    "score_assessment",
    "structure_from_index",
    "validate_level",
]

#: Bump whenever a rule above changes; stored with every snapshot.
SCORING_VERSION = "1"

MIN_LEVEL = 0
MAX_LEVEL = 5
#: IPA's 先行企業 threshold on the mean current level (R6).
LEADING_THRESHOLD = 3


def is_leading(level_sum: int, n: int, threshold: int = LEADING_THRESHOLD) -> bool:
    """R6: the mean current level reaches the threshold, compared exactly (no float mean)."""
    return n > 0 and level_sum >= threshold * n


# --------------------------------------------------------------------------
# Structure
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Structure:
    """The questionnaire shape, as plain ids.

    ``item_ids`` in display order; ``framework_of`` maps every item to its
    framework id, ``group_of`` maps every item to its key-question (group) id.
    ``framework_ids`` and ``group_ids`` give the order of the per-framework and
    per-group statistics.  The mappings are copied into read-only views.
    Inconsistent input raises ``ValueError``.
    """

    item_ids: tuple[str, ...]
    framework_of: Mapping[str, str]
    group_of: Mapping[str, str]
    framework_ids: tuple[str, ...]
    group_ids: tuple[str, ...]
    # The version's 先行企業 rule as (scale, threshold, scope): scale "current" or "target",
    # scope "overall" or a framework id. None: the version defines no rule (leading is None).
    leading_rule: tuple[str, int, str] | None = ("current", LEADING_THRESHOLD, "overall")

    def __post_init__(self) -> None:
        item_ids = tuple(self.item_ids)
        framework_ids = tuple(self.framework_ids)
        group_ids = tuple(self.group_ids)
        for name, ids in (
            ("item", item_ids),
            ("framework", framework_ids),
            ("group", group_ids),
        ):
            if not all(isinstance(i, str) for i in ids):
                raise ValueError(f"{name} ids must be strings")
            if len(set(ids)) != len(ids):
                raise ValueError(f"duplicate {name} id")
        framework_of = dict(self.framework_of)
        group_of = dict(self.group_of)
        if set(framework_of) != set(item_ids):
            raise ValueError("framework_of must map exactly the item ids")
        if set(group_of) != set(item_ids):
            raise ValueError("group_of must map exactly the item ids")
        for item_id in item_ids:
            if framework_of[item_id] not in framework_ids:
                raise ValueError(f"item {item_id!r}: unknown framework {framework_of[item_id]!r}")
            if group_of[item_id] not in group_ids:
                raise ValueError(f"item {item_id!r}: unknown group {group_of[item_id]!r}")
        object.__setattr__(self, "item_ids", item_ids)
        object.__setattr__(self, "framework_ids", framework_ids)
        object.__setattr__(self, "group_ids", group_ids)
        object.__setattr__(self, "framework_of", MappingProxyType(framework_of))
        object.__setattr__(self, "group_of", MappingProxyType(group_of))
        if self.leading_rule is not None:
            scale, threshold, scope = self.leading_rule
            if scale not in ("current", "target") or not isinstance(threshold, int):
                raise ValueError(f"invalid leading rule {self.leading_rule!r}")
            if scope != "overall" and scope not in framework_ids:
                raise ValueError(f"leading rule: unknown scope {scope!r}")

    def items_of_framework(self, framework_id: str) -> tuple[str, ...]:
        """Item ids of one framework, in item order."""
        return tuple(i for i in self.item_ids if self.framework_of[i] == framework_id)

    def items_of_group(self, group_id: str) -> tuple[str, ...]:
        """Item ids of one group (key question), in item order."""
        return tuple(i for i in self.item_ids if self.group_of[i] == group_id)


_DEFAULT_RULE = ("current", LEADING_THRESHOLD, "overall")


def structure_from_index(index: Any) -> Structure:
    """Build a :class:`Structure` from a questionnaire index (duck-typed).

    ``index.items`` is an iterable of objects with ``.id``, ``.framework_id``
    and ``.group_id``; ``index.frameworks`` an iterable of objects with
    ``.id``.  Group ids are ordered by their first appearance in item order.
    """
    items = list(index.items)
    item_ids = tuple(item.id for item in items)
    framework_of = {item.id: item.framework_id for item in items}
    group_of = {item.id: item.group_id for item in items}
    framework_ids = tuple(fw.id for fw in index.frameworks)
    group_ids = tuple(dict.fromkeys(item.group_id for item in items))
    # An index object without the attribute gets the default rule; ``leading_rule = None``
    # means the version defines none.
    rule = getattr(index, "leading_rule", _DEFAULT_RULE)
    if rule is not _DEFAULT_RULE and rule is not None:
        rule = (rule.scale, rule.threshold, rule.scope)
    return Structure(
        item_ids=item_ids,
        framework_of=framework_of,
        group_of=group_of,
        framework_ids=framework_ids,
        group_ids=group_ids,
        leading_rule=rule,
    )


# --------------------------------------------------------------------------
# Result types
# --------------------------------------------------------------------------


def _opt_float(value: Any) -> float | None:
    return None if value is None else float(value)


def _opt_int(value: Any) -> int | None:
    return None if value is None else int(value)


@dataclass(frozen=True)
class Stat:
    """Mean/median statistics of the answered levels of a set of items (R2, R4)."""

    n_current: int
    n_target: int
    current_mean: float | None
    target_mean: float | None
    current_median: float | None
    target_median: float | None
    gap: float | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Stat:
        return cls(
            n_current=int(d["n_current"]),
            n_target=int(d["n_target"]),
            current_mean=_opt_float(d["current_mean"]),
            target_mean=_opt_float(d["target_mean"]),
            current_median=_opt_float(d["current_median"]),
            target_median=_opt_float(d["target_median"]),
            gap=_opt_float(d["gap"]),
        )


@dataclass(frozen=True)
class ItemScore:
    """One item's levels and ``gap = target - current`` (R5)."""

    item_id: str
    current: int | None
    target: int | None
    gap: int | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> ItemScore:
        return cls(
            item_id=str(d["item_id"]),
            current=_opt_int(d["current"]),
            target=_opt_int(d["target"]),
            gap=_opt_int(d["gap"]),
        )


@dataclass(frozen=True)
class Change:
    """A difference ``this - previous``; ``None`` means "not comparable" (R7).

    For overall/framework/group entries the fields are the changes of the
    current and target *means* (floats); for items, of the levels (ints).
    """

    current: float | None
    target: float | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Change:
        def num(v: Any) -> float | None:
            if v is None:
                return None
            return v if isinstance(v, int) and not isinstance(v, bool) else float(v)

        return cls(current=num(d["current"]), target=num(d["target"]))


_NOT_COMPARABLE = Change(current=None, target=None)


@dataclass(frozen=True)
class Delta:
    """Change of a score card against a previous one (R7).

    The dict keys are those of the *current* card; an entry whose framework,
    group or item does not exist in the previous card is ``Change(None, None)``.
    """

    previous_version: str
    overall: Change
    frameworks: dict[str, Change]
    groups: dict[str, Change]
    items: dict[str, Change]

    def to_dict(self) -> dict[str, Any]:
        return {
            "previous_version": self.previous_version,
            "overall": self.overall.to_dict(),
            "frameworks": {k: v.to_dict() for k, v in self.frameworks.items()},
            "groups": {k: v.to_dict() for k, v in self.groups.items()},
            "items": {k: v.to_dict() for k, v in self.items.items()},
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Delta:
        return cls(
            previous_version=str(d["previous_version"]),
            overall=Change.from_dict(d["overall"]),
            frameworks={str(k): Change.from_dict(v) for k, v in d["frameworks"].items()},
            groups={str(k): Change.from_dict(v) for k, v in d["groups"].items()},
            items={str(k): Change.from_dict(v) for k, v in d["items"].items()},
        )


@dataclass(frozen=True)
class ScoreCard:
    """The full result of :func:`score_assessment`.

    ``frameworks``, ``groups`` and ``items`` are ordered like the structure's
    ids; treat them as read-only.  See the module docstring for the rules.
    """

    scoring_version: str
    overall: Stat
    frameworks: dict[str, Stat]
    groups: dict[str, Stat]
    items: dict[str, ItemScore]
    leading: bool | None
    complete: bool
    delta: Delta | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict (R8)."""
        return {
            "scoring_version": self.scoring_version,
            "overall": self.overall.to_dict(),
            "frameworks": {k: v.to_dict() for k, v in self.frameworks.items()},
            "groups": {k: v.to_dict() for k, v in self.groups.items()},
            "items": {k: v.to_dict() for k, v in self.items.items()},
            "leading": self.leading,
            "complete": self.complete,
            "delta": None if self.delta is None else self.delta.to_dict(),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> ScoreCard:
        """Restore a card stored with :meth:`to_dict`; ``ValueError`` if malformed."""
        try:
            leading = d["leading"]
            if leading is not None and not isinstance(leading, bool):
                raise ValueError("leading must be a bool or None")
            complete = d["complete"]
            if not isinstance(complete, bool):
                raise ValueError("complete must be a bool")
            delta = d.get("delta")
            return cls(
                scoring_version=str(d["scoring_version"]),
                overall=Stat.from_dict(d["overall"]),
                frameworks={str(k): Stat.from_dict(v) for k, v in d["frameworks"].items()},
                groups={str(k): Stat.from_dict(v) for k, v in d["groups"].items()},
                items={str(k): ItemScore.from_dict(v) for k, v in d["items"].items()},
                leading=leading,
                complete=complete,
                delta=None if delta is None else Delta.from_dict(delta),
            )
        except (KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"malformed score card: {exc!r}") from exc


# --------------------------------------------------------------------------
# Scoring
# --------------------------------------------------------------------------


def validate_level(value: Any, *, what: str = "level") -> int | None:
    """Return ``value`` if it is ``None`` or an int in 0..5, else raise ``ValueError`` (R1)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{what} must be an int in {MIN_LEVEL}..{MAX_LEVEL}, got {value!r}")
    if not MIN_LEVEL <= value <= MAX_LEVEL:
        raise ValueError(f"{what} must be in {MIN_LEVEL}..{MAX_LEVEL}, got {value!r}")
    return int(value)


def _normalise_answers(
    structure: Structure, answers: Mapping[str, Any]
) -> dict[str, tuple[int | None, int | None]]:
    known = set(structure.item_ids)
    result: dict[str, tuple[int | None, int | None]] = {}
    for item_id, pair in answers.items():
        if item_id not in known:
            raise ValueError(f"unknown item id {item_id!r}")
        if pair is None:
            pair = (None, None)
        if not isinstance(pair, tuple | list) or len(pair) != 2:
            raise ValueError(f"item {item_id!r}: answer must be a (current, target) pair")
        current, target = pair
        result[item_id] = (
            validate_level(current, what=f"item {item_id!r} current level"),
            validate_level(target, what=f"item {item_id!r} target level"),
        )
    return result


def _median(values: list[int]) -> float | None:
    return float(statistics.median(values)) if values else None


def _mean(values: list[int]) -> float | None:
    return statistics.fmean(values) if values else None


def _stat(items: Iterable[ItemScore]) -> Stat:
    items = list(items)
    currents = [i.current for i in items if i.current is not None]
    targets = [i.target for i in items if i.target is not None]
    current_mean = _mean(currents)
    target_mean = _mean(targets)
    gap = None if current_mean is None or target_mean is None else target_mean - current_mean
    return Stat(
        n_current=len(currents),
        n_target=len(targets),
        current_mean=current_mean,
        target_mean=target_mean,
        current_median=_median(currents),
        target_median=_median(targets),
        gap=gap,
    )


def score_assessment(
    structure: Structure,
    answers: Mapping[str, tuple[int | None, int | None]],
    previous: ScoreCard | None = None,
) -> ScoreCard:
    """Score one assessment (rules R1-R7 in the module docstring).

    ``answers`` maps item id -> ``(current, target)`` (a tuple or list); items
    may be missing, either value may be ``None`` and an entry of ``None``
    counts as ``(None, None)``.  With ``previous`` the card carries a
    :class:`Delta` against it.
    """
    normalised = _normalise_answers(structure, answers)
    items: dict[str, ItemScore] = {}
    for item_id in structure.item_ids:
        current, target = normalised.get(item_id, (None, None))
        gap = None if current is None or target is None else target - current
        items[item_id] = ItemScore(item_id=item_id, current=current, target=target, gap=gap)

    overall = _stat(items.values())
    frameworks = {
        fid: _stat(items[i] for i in structure.items_of_framework(fid))
        for fid in structure.framework_ids
    }
    groups = {
        gid: _stat(items[i] for i in structure.items_of_group(gid)) for gid in structure.group_ids
    }

    leading = _leading(structure, items)
    complete = all(i.current is not None and i.target is not None for i in items.values())

    card = ScoreCard(
        scoring_version=SCORING_VERSION,
        overall=overall,
        frameworks=frameworks,
        groups=groups,
        items=items,
        leading=leading,
        complete=complete,
        delta=None,
    )
    if previous is not None:
        card = replace(card, delta=compute_delta(card, previous))
    return card


def _leading(structure: Structure, items: Mapping[str, ItemScore]) -> bool | None:
    """R6 with the version's rule: None without a rule or without an answered level."""
    if structure.leading_rule is None:
        return None
    scale, threshold, scope = structure.leading_rule
    ids = structure.item_ids if scope == "overall" else structure.items_of_framework(scope)
    values = [getattr(items[i], scale) for i in ids]
    answered = [v for v in values if v is not None]
    return None if not answered else is_leading(sum(answered), len(answered), threshold)


def _diff(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else a - b


def _stat_change(now: Stat, before: Stat | None) -> Change:
    if before is None:
        return _NOT_COMPARABLE
    return Change(
        current=_diff(now.current_mean, before.current_mean),
        target=_diff(now.target_mean, before.target_mean),
    )


def compute_mapped_delta(
    card: ScoreCard, previous: ScoreCard, predecessor_of: Mapping[str, str | None]
) -> Delta:
    """``card - previous`` across two index versions (R10): an item is compared with the one
    older item it continues (``predecessor_of``, from an item mapping); every other item, and
    every mean (overall, framework, group: they average different item sets), is not
    comparable."""
    items: dict[str, Change] = {}
    for item_id, now in card.items.items():
        old_id = predecessor_of.get(item_id)
        before = previous.items.get(old_id) if old_id is not None else None
        items[item_id] = (
            _NOT_COMPARABLE
            if before is None
            else Change(_diff(now.current, before.current), _diff(now.target, before.target))
        )
    return Delta(
        previous_version=previous.scoring_version,
        overall=_NOT_COMPARABLE,
        frameworks=dict.fromkeys(card.frameworks, _NOT_COMPARABLE),
        groups=dict.fromkeys(card.groups, _NOT_COMPARABLE),
        items=items,
    )


def compute_delta(card: ScoreCard, previous: ScoreCard) -> Delta:
    """``card - previous`` per R7 (keys follow ``card``)."""
    items: dict[str, Change] = {}
    for item_id, now in card.items.items():
        before = previous.items.get(item_id)
        if before is None:
            items[item_id] = _NOT_COMPARABLE
        else:
            items[item_id] = Change(
                current=_diff(now.current, before.current),
                target=_diff(now.target, before.target),
            )
    return Delta(
        previous_version=previous.scoring_version,
        overall=_stat_change(card.overall, previous.overall),
        frameworks={
            k: _stat_change(v, previous.frameworks.get(k)) for k, v in card.frameworks.items()
        },
        groups={k: _stat_change(v, previous.groups.get(k)) for k, v in card.groups.items()},
        items=items,
    )


def round_half_away(value: Any, places: int, *, scale: int = 1) -> Decimal | None:
    """R9: ``value * scale`` rounded half away from zero to ``places`` decimals.

    Works on the value's decimal form: floats through their shortest ``repr`` (what was
    meant, not the binary approximation), ints and ``Decimal`` exactly, a ``Fraction``
    to 28 significant digits.  ``scale=100`` turns a share into a percentage before
    rounding (0.3125 -> 31.3 at one place).  ``None`` stays ``None``; a negative zero
    result becomes ``0``.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(f"not a number: {value!r}")
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"not a finite number: {value!r}")
        exact = Decimal(repr(value))
    elif isinstance(value, Fraction):
        exact = Decimal(value.numerator) / Decimal(value.denominator)
    else:
        exact = Decimal(value)
    rounded = (exact * scale).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return rounded if rounded != 0 else abs(rounded)


def round2(value: float | None) -> float | None:
    """Round for display: two decimals, half away from zero (R9); ``None`` stays ``None``."""
    rounded = round_half_away(value, 2)
    return None if rounded is None else float(rounded) + 0.0  # "+ 0.0" turns -0.0 into 0.0


# --------------------------------------------------------------------------
# Year over year (R10)
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class YearCard:
    """A year's stored card as it is now, for comparisons.

    ``reopened`` marks a year that is back in draft: its card is that of its
    last submitted version (``revision`` is that version's number).
    """

    fiscal_year: int
    index_version: str
    card: ScoreCard
    reopened: bool = False
    revision: int | None = None


@dataclass(frozen=True)
class YearComparison:
    """A year's change against an earlier year (R10).

    ``previous`` is the compared year's card; ``delta`` is ``None`` when the two
    years use different index versions (nothing is comparable).
    """

    fiscal_year: int
    previous: YearCard
    delta: Delta | None
    # Across two versions through an item mapping: {this year's item: the earlier year's item
    # it continues, or None}; None when both years use the same version.
    predecessor_of: Mapping[str, str | None] | None = None

    @property
    def comparable(self) -> bool:
        return self.delta is not None

    @property
    def mapped(self) -> bool:
        """Compared item by item through a mapping between two versions (means are not)."""
        return self.predecessor_of is not None

    def previous_item_id(self, item_id: str) -> str | None:
        """The earlier year's item compared with ``item_id`` (None: not comparable)."""
        if self.predecessor_of is None:
            return item_id if self.delta is not None else None
        return self.predecessor_of.get(item_id)

    @property
    def is_previous_year(self) -> bool:
        return self.previous.fiscal_year == self.fiscal_year - 1


def compare_years(
    this: YearCard,
    years: Iterable[YearCard],
    mapping_for: Callable[[str, str], Mapping[str, str | None] | None] | None = None,
) -> YearComparison | None:
    """``this`` against the latest earlier year in ``years`` (R10); ``None`` if there is none.

    Years of different index versions are not comparable, unless ``mapping_for(older
    version, newer version)`` gives ``{newer item: older item or None}``: then items are
    compared through it (compute_mapped_delta)."""
    earlier = [y for y in years if y.fiscal_year < this.fiscal_year]
    if not earlier:
        return None
    previous = max(earlier, key=lambda y: y.fiscal_year)
    delta = None
    predecessor_of = None
    if previous.index_version == this.index_version:
        delta = compute_delta(this.card, previous.card)
    elif mapping_for is not None:
        predecessor_of = mapping_for(previous.index_version, this.index_version)
        if predecessor_of is not None:
            predecessor_of = MappingProxyType(dict(predecessor_of))
            delta = compute_mapped_delta(this.card, previous.card, predecessor_of)
    return YearComparison(
        fiscal_year=this.fiscal_year, previous=previous, delta=delta, predecessor_of=predecessor_of
    )
