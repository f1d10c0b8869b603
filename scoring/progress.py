"""Progress of quantitative KPIs and qualitative (maturity level) targets.

Pure standard-library code working on plain values.  Years are fiscal years
(ints).  Values may be ``int``, ``float``, ``decimal.Decimal`` or
``fractions.Fraction``; results are floats.

Rules
-----

P1  Input checks.  NaN, infinities, ``bool`` and non-numbers raise
    ``ValueError``; so does a ``direction`` other than ``"higher"`` or
    ``"lower"``, a non-int year, ``target_year <= baseline_year`` and a
    negative tolerance.  Negative values and a zero baseline are ordinary
    values.

P2  Progress.  When the target is strictly better than the baseline in the
    indicator's direction ("improvement required"),
    ``progress = (actual - baseline) / (target - baseline)``.  This works for
    "lower is better" because both differences change sign.  The baseline
    gives 0, the target gives 1, beyond the target gives more than 1, worse
    than the baseline gives a negative number.  No clamping.

P3  No improvement required.  When the target equals the baseline, or is
    worse than it in the indicator's direction (a "hold at least this level"
    target), progress is binary: 1.0 if the actual is at or better than the
    target in the indicator's direction, else 0.0.

P4  Expected progress.  A straight line from 0 at the baseline year to 1 at
    the target year: ``(year - baseline_year) / (target_year - baseline_year)``,
    clamped to 0..1 (0 before the baseline year, 1 after the target year).

P5  Which actual counts.  ``as_of_year`` is the fiscal year running today;
    every earlier year has ended.  ``status`` uses the latest actual whose
    year is after the baseline year and not after ``as_of_year``.  The
    baseline is not a measurement of progress, so an actual recorded for the
    baseline year (or earlier) is ignored.  Missing years are not
    interpolated: a missing year never becomes a value.  The actual *due* is
    that of the last ended year of the cycle,
    ``due_year = min(as_of_year - 1, target_year)``; when ``due_year`` is after
    the baseline year and no actual of ``due_year`` or later (up to
    ``as_of_year``) exists, the status is ``"missing"`` -- an older actual
    never stands in for a year that has ended without one.  Otherwise the
    latest actual is used and its expected progress is that of its own year.

P6  Status codes, first match wins:
    ``"no_data"``  nothing is due yet (``due_year`` is not after the
                   baseline year) and no actual counts (P5);
                   progress/expected/year/value are ``None``;
    ``"missing"``  the actual due (P5) is missing: ``missing_year`` is the
                   ``due_year``; progress/expected/year/value are ``None``.
                   Summaries count it apart from on-track and behind;
    ``"achieved"`` the actual is at or better than the target in the
                   indicator's direction (exceeding it is still "achieved");
    ``"on_track"`` ``progress >= expected - tolerance``;
    ``"behind"``   otherwise.
    ``tolerance`` is in progress units (0.1 = ten percentage points of the
    planned improvement).  The comparisons are exact: every value is turned
    into the rational number of its shortest decimal form (what the user
    typed), so an actual exactly on the straight line is "on_track" despite
    binary floating point.

P7  Revised targets.  A status is always computed against the target passed
    in, i.e. the target in force; the caller passes the current baseline,
    target and target year.  Nothing here remembers earlier targets.

P8  Ordered scales.  A scale listed best -> worst (e.g. リアルタイム, 日次,
    週次, 月次) is turned into ranks with the best label highest
    (``len(scale) - 1`` ... 0); ranks are then used with direction
    ``"higher"``.

P9  Qualitative targets.  A target maturity level set in ``set_year`` (when
    the current level was ``current_at_set``) for ``target_year`` follows P2-P7
    with direction ``"higher"``, baseline = ``current_at_set`` and the levels
    of later assessments as actuals.  Levels must be ints in 0..5.  A year
    that ended without a submitted assessment is a missing actual (P5).

P10 Targets across index versions.  A later year answered with another index
    version gives an item's actual only through an item mapping from the set
    year's version to that year's version (the caller resolves it; see
    ``questionnaires/mapping.py`` for which newer items continue an older
    one).  An item continued by several newer items (a split) takes the
    lowest of their levels (``continued_level``): the target counts as
    reached only when every part reaches it.  A year in which the item has no
    continuation (no mapping between the versions, no newer item continuing
    it, or a merge of several older items) is *not comparable* for the item:
    it is left out of the actuals.  When no actual decides the status
    (``"missing"`` or ``"no_data"``) and such a year lies between the year due
    (for ``"missing"``; the set year otherwise) and ``as_of_year``, the status
    is ``"not_comparable"`` (比較不可): the company did answer, the index changed.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from types import MappingProxyType
from typing import Any

from .maturity import validate_level

__all__ = [
    "ACHIEVED",
    "BEHIND",
    "DIRECTIONS",
    "HIGHER",
    "LOWER",
    "MISSING",
    "NOT_COMPARABLE",
    "NO_DATA",
    "ON_TRACK",
    "QUALITATIVE_STATUS_CODES",
    "STATUS_CODES",
    "Series",
    "Status",
    "expected_progress",
    "continued_level",
    "is_reached",
    "ordered_rank",
    "progress",
    "qualitative_target_status",
    "requires_improvement",
    "status",
    "trajectory",
]

HIGHER = "higher"
LOWER = "lower"
DIRECTIONS = frozenset({HIGHER, LOWER})

ACHIEVED = "achieved"
ON_TRACK = "on_track"
BEHIND = "behind"
NO_DATA = "no_data"
MISSING = "missing"
NOT_COMPARABLE = "not_comparable"  # P10: qualitative targets across index versions only
STATUS_CODES = (ACHIEVED, ON_TRACK, BEHIND, MISSING, NO_DATA)
QUALITATIVE_STATUS_CODES = (*STATUS_CODES, NOT_COMPARABLE)


# --------------------------------------------------------------------------
# Checks and exact arithmetic
# --------------------------------------------------------------------------


_ZERO = Fraction(0)


def _exact(value: Any, what: str = "value") -> Fraction:
    """The exact rational of a finite number (floats via their shortest repr, P6)."""
    # Fast paths for what the database and forms hand in (a bureau release computes ~40k
    # statuses at national scale): plain ints, finite Decimals as their integer ratio and a
    # zero tolerance, without Fraction's generic (ABC) type checks or parsing a float's repr.
    kind = type(value)
    if kind is int:
        return Fraction(value)
    if kind is Decimal and value.is_finite():
        return Fraction(*value.as_integer_ratio())
    if kind is float and value == 0.0:
        return _ZERO
    if isinstance(value, bool):
        raise ValueError(f"{what} must be a number, got {value!r}")
    if isinstance(value, int | Fraction):
        return Fraction(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{what} must be finite, got {value!r}")
        return Fraction(repr(float(value)))
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"{what} must be finite, got {value!r}")
        return Fraction(value)
    raise ValueError(f"{what} must be a number, got {value!r}")


def _check_year(value: Any, what: str = "year") -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{what} must be an int, got {value!r}")
    return int(value)


def _check_direction(direction: Any) -> str:
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be 'higher' or 'lower', got {direction!r}")
    return direction


def _check_years(baseline_year: Any, target_year: Any) -> tuple[int, int]:
    by = _check_year(baseline_year, "baseline_year")
    ty = _check_year(target_year, "target_year")
    if ty <= by:
        raise ValueError(f"target_year ({ty}) must be after baseline_year ({by})")
    return by, ty


def _to_float(value: Fraction) -> float:
    try:
        return float(value)
    except OverflowError:  # only for absurd magnitudes
        return math.inf if value > 0 else -math.inf


def _better_or_equal(a: Fraction, b: Fraction, direction: str) -> bool:
    return a >= b if direction == HIGHER else a <= b


def _requires_improvement(baseline: Fraction, target: Fraction, direction: str) -> bool:
    return target != baseline and _better_or_equal(target, baseline, direction)


def _progress(baseline: Fraction, target: Fraction, actual: Fraction, direction: str) -> Fraction:
    if not _requires_improvement(baseline, target, direction):
        return Fraction(1) if _better_or_equal(actual, target, direction) else Fraction(0)
    return (actual - baseline) / (target - baseline)


def _expected(baseline_year: int, target_year: int, year: int) -> Fraction:
    ratio = Fraction(year - baseline_year, target_year - baseline_year)
    return min(max(ratio, Fraction(0)), Fraction(1))


# --------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------


def requires_improvement(baseline: Any, target: Any, direction: str = HIGHER) -> bool:
    """True iff the target is strictly better than the baseline (P2 vs P3)."""
    _check_direction(direction)
    return _requires_improvement(_exact(baseline, "baseline"), _exact(target, "target"), direction)


def is_reached(target: Any, actual: Any, direction: str = HIGHER) -> bool:
    """True iff ``actual`` is at or better than ``target`` in ``direction`` (P6 "achieved")."""
    _check_direction(direction)
    return _better_or_equal(_exact(actual, "actual"), _exact(target, "target"), direction)


def progress(baseline: Any, target: Any, actual: Any, direction: str = HIGHER) -> float:
    """Share of the planned improvement achieved by ``actual`` (P2, P3).

    Never ``None``: a target equal to (or worse than) the baseline gives 1.0
    when reached and 0.0 otherwise.
    """
    _check_direction(direction)
    b = _exact(baseline, "baseline")
    t = _exact(target, "target")
    a = _exact(actual, "actual")
    return _to_float(_progress(b, t, a, direction))


def expected_progress(baseline_year: int, target_year: int, year: int) -> float:
    """Straight-line expected progress in ``year``, clamped to 0..1 (P4)."""
    by, ty = _check_years(baseline_year, target_year)
    return float(_expected(by, ty, _check_year(year)))


@dataclass(frozen=True)
class Series:
    """A quantitative KPI: baseline, target and actuals by fiscal year.

    ``actuals`` maps fiscal year -> value; a year without a measurement is
    simply absent (never ``None``).  It is copied into a read-only view.
    Invalid values raise ``ValueError`` (P1).
    """

    baseline_year: int
    baseline: float
    target_year: int
    target: float
    actuals: Mapping[int, float]

    def __post_init__(self) -> None:
        _check_years(self.baseline_year, self.target_year)
        _exact(self.baseline, "baseline")
        _exact(self.target, "target")
        actuals = dict(self.actuals)
        for year, value in actuals.items():
            _check_year(year, "actual year")
            _exact(value, f"actual for {year}")
        object.__setattr__(self, "actuals", MappingProxyType(actuals))


@dataclass(frozen=True)
class Status:
    """Result of :func:`status` (P6).

    ``year``/``value`` are the actual used; ``progress`` its progress (P2/P3);
    ``expected`` the expected progress in that year (P4).  All ``None`` for
    ``"no_data"`` and ``"missing"``; ``missing_year`` is the year whose actual
    is missing (``"missing"`` only).
    """

    code: str
    progress: float | None
    expected: float | None
    year: int | None
    value: float | None
    missing_year: int | None = None


_NO_DATA = Status(code=NO_DATA, progress=None, expected=None, year=None, value=None)


def status(series: Series, direction: str, as_of_year: int, tolerance: float = 0.0) -> Status:
    """Status of ``series`` in the running fiscal year ``as_of_year`` (P5-P7)."""
    _check_direction(direction)
    as_of = _check_year(as_of_year, "as_of_year")
    tol = _exact(tolerance, "tolerance")
    if tol < 0:
        raise ValueError(f"tolerance must not be negative, got {tolerance!r}")
    baseline = _exact(series.baseline, "baseline")
    target = _exact(series.target, "target")

    years = [y for y in series.actuals if series.baseline_year < y <= as_of]
    due_year = min(as_of - 1, series.target_year)
    if due_year > series.baseline_year and (not years or max(years) < due_year):
        return Status(MISSING, None, None, None, None, missing_year=due_year)
    if not years:
        return _NO_DATA
    year = max(years)
    raw = series.actuals[year]
    actual = _exact(raw, f"actual for {year}")

    prog = _progress(baseline, target, actual, direction)
    exp = _expected(series.baseline_year, series.target_year, year)
    if _better_or_equal(actual, target, direction):
        code = ACHIEVED
    elif prog >= exp - tol:
        code = ON_TRACK
    else:
        code = BEHIND
    return Status(
        code=code,
        progress=_to_float(prog),
        expected=float(exp),
        year=year,
        value=float(raw),
    )


def ordered_rank(scale: Sequence[str], label: str) -> int:
    """Rank of ``label`` on a scale listed best -> worst; best is highest (P8).

    ``ordered_rank(["リアルタイム", "日次", "週次", "月次"], "日次") == 2``.
    Labels match exactly.  An empty scale, duplicate labels or an unknown
    label raise ``ValueError``.
    """
    labels = list(scale)
    if not labels:
        raise ValueError("scale must not be empty")
    if len(set(labels)) != len(labels):
        raise ValueError("scale labels must be unique")
    try:
        index = labels.index(label)
    except ValueError:
        raise ValueError(f"{label!r} is not on the scale {labels!r}") from None
    return len(labels) - 1 - index


def trajectory(series: Series) -> list[tuple[int, float]]:
    """The straight-line target path, one point per fiscal year (for charts).

    From ``(baseline_year, baseline)`` to ``(target_year, target)``
    inclusive; the end points are exactly the baseline and target values.
    """
    by, ty = series.baseline_year, series.target_year
    b = _exact(series.baseline, "baseline")
    t = _exact(series.target, "target")
    return [(y, _to_float(b + (t - b) * Fraction(y - by, ty - by))) for y in range(by, ty + 1)]


def qualitative_target_status(
    set_year: int,
    current_at_set: int,
    target: int,
    target_year: int,
    actuals: Mapping[int, int],
    as_of_year: int,
    not_comparable_years: Iterable[int] = (),
) -> Status:
    """Status of an item's target level set in an earlier year (P9, P10).

    ``actuals`` maps fiscal year -> the item's current level in that year's
    assessment (years without an assessment are absent).  ``not_comparable_years``
    are later years answered with another index version in which the item has no
    continuation (P10); they must not be in ``actuals``.
    """
    validate_level(current_at_set, what="current level at set year")
    validate_level(target, what="target level")
    if current_at_set is None or target is None:
        raise ValueError("current_at_set and target are required")
    levels = {}
    for year, level in actuals.items():
        validate_level(level, what=f"level for {year!r}")
        if level is None:
            raise ValueError(f"level for {year!r} is None; leave the year out instead")
        levels[year] = level
    series = Series(
        baseline_year=set_year,
        baseline=current_at_set,
        target_year=target_year,
        target=target,
        actuals=levels,
    )
    result = status(series, HIGHER, as_of_year)
    not_comparable = set(not_comparable_years)
    if not_comparable & set(levels):
        raise ValueError("a not comparable year cannot have an actual")
    if result.code in (MISSING, NO_DATA):
        since = result.missing_year if result.code == MISSING else set_year + 1
        blocked = [y for y in not_comparable if since <= y <= as_of_year]
        if blocked:
            return Status(NOT_COMPARABLE, None, None, None, None, missing_year=min(blocked))
    return result


def continued_level(levels: Sequence[int | None]) -> int | None:
    """An older item's level in a year of a newer index version, from the levels of the newer
    items continuing it (P10): the lowest of them, ``None`` when any is unanswered or there is
    none."""
    if not levels or any(level is None for level in levels):
        return None
    for level in levels:
        validate_level(level, what="continued level")
    return min(levels)
