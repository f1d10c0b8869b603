"""Unit tests for scoring.progress (table-driven and hypothesis property tests)."""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from scoring import (
    ACHIEVED,
    BEHIND,
    HIGHER,
    LOWER,
    MISSING,
    NO_DATA,
    ON_TRACK,
    Series,
    Status,
    expected_progress,
    is_reached,
    ordered_rank,
    progress,
    qualitative_target_status,
    requires_improvement,
    status,
    trajectory,
)

NAN = float("nan")
INF = float("inf")

# --------------------------------------------------------------------------
# progress()
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("baseline", "target", "actual", "direction", "expected"),
    [
        pytest.param(0, 10, 5, HIGHER, 0.5, id="higher-half"),
        pytest.param(0, 10, 0, HIGHER, 0.0, id="higher-at-baseline"),
        pytest.param(0, 10, 10, HIGHER, 1.0, id="higher-at-target"),
        pytest.param(0, 10, 15, HIGHER, 1.5, id="higher-beyond-target"),
        pytest.param(10, 20, 5, HIGHER, -0.5, id="higher-worse-than-baseline"),
        pytest.param(100, 50, 75, LOWER, 0.5, id="lower-half"),
        pytest.param(100, 50, 40, LOWER, 1.2, id="lower-beyond-target"),
        pytest.param(100, 50, 110, LOWER, -0.2, id="lower-worse-than-baseline"),
        pytest.param(-10, 10, 0, HIGHER, 0.5, id="negative-to-positive"),
        pytest.param(-5, -1, -3, HIGHER, 0.5, id="all-negative-higher"),
        pytest.param(-1, -5, -2, LOWER, 0.25, id="all-negative-lower"),
        pytest.param(0, 4, 1, HIGHER, 0.25, id="zero-baseline-higher"),
        pytest.param(0, -4, -1, LOWER, 0.25, id="zero-baseline-lower"),
        pytest.param(0.1, 0.4, 0.2, HIGHER, 1 / 3, id="decimal-floats"),
        pytest.param(Decimal("0.1"), Decimal("0.4"), Decimal("0.3"), HIGHER, 2 / 3, id="Decimal"),
        pytest.param(Fraction(1, 3), Fraction(2, 3), Fraction(1, 2), HIGHER, 0.5, id="Fraction"),
        # P3: target == baseline ("hold"), binary progress
        pytest.param(5, 5, 5, HIGHER, 1.0, id="hold-higher-at"),
        pytest.param(5, 5, 6, HIGHER, 1.0, id="hold-higher-better"),
        pytest.param(5, 5, 4, HIGHER, 0.0, id="hold-higher-worse"),
        pytest.param(5, 5, 5, LOWER, 1.0, id="hold-lower-at"),
        pytest.param(5, 5, 4, LOWER, 1.0, id="hold-lower-better"),
        pytest.param(5, 5, 6, LOWER, 0.0, id="hold-lower-worse"),
        pytest.param(0, 0, 0, HIGHER, 1.0, id="hold-zero"),
        # P3: target worse than baseline ("at least"), binary progress
        pytest.param(10, 8, 9, HIGHER, 1.0, id="at-least-higher-met"),
        pytest.param(10, 8, 7, HIGHER, 0.0, id="at-least-higher-missed"),
        pytest.param(10, 12, 11, LOWER, 1.0, id="at-most-lower-met"),
        pytest.param(10, 12, 13, LOWER, 0.0, id="at-most-lower-missed"),
    ],
)
def test_progress_table(baseline, target, actual, direction, expected) -> None:
    assert progress(baseline, target, actual, direction) == pytest.approx(expected, abs=1e-12)


def test_progress_default_direction_is_higher() -> None:
    assert progress(0, 10, 3) == pytest.approx(0.3)


@pytest.mark.parametrize(
    "args",
    [
        pytest.param((NAN, 1, 0), id="nan-baseline"),
        pytest.param((0, INF, 0), id="inf-target"),
        pytest.param((0, 1, -INF), id="minus-inf-actual"),
        pytest.param((0, 1, NAN), id="nan-actual"),
        pytest.param((Decimal("NaN"), 1, 0), id="decimal-nan"),
        pytest.param((0, 1, "0.5"), id="string"),
        pytest.param((0, True, 0), id="bool"),
        pytest.param((None, 1, 0), id="none"),
    ],
)
def test_progress_rejects_bad_numbers(args) -> None:
    with pytest.raises(ValueError):
        progress(*args)


@pytest.mark.parametrize("direction", ["up", "HIGHER", "", None, "lower "])
def test_bad_direction_raises(direction) -> None:
    with pytest.raises(ValueError):
        progress(0, 1, 0, direction)
    with pytest.raises(ValueError):
        status(Series(2020, 0, 2023, 3, {2021: 1}), direction, 2023)


@pytest.mark.parametrize(
    ("baseline", "target", "direction", "expected"),
    [
        (0, 1, HIGHER, True),
        (1, 0, LOWER, True),
        (1, 1, HIGHER, False),
        (1, 1, LOWER, False),
        (1, 0, HIGHER, False),
        (0, 1, LOWER, False),
    ],
)
def test_requires_improvement(baseline, target, direction, expected) -> None:
    assert requires_improvement(baseline, target, direction) is expected


@pytest.mark.parametrize(
    ("target", "actual", "direction", "expected"),
    [(5, 5, HIGHER, True), (5, 6, HIGHER, True), (5, 4, HIGHER, False),
     (5, 5, LOWER, True), (5, 4, LOWER, True), (5, 6, LOWER, False)],
)  # fmt: skip
def test_is_reached(target, actual, direction, expected) -> None:
    assert is_reached(target, actual, direction) is expected


# --------------------------------------------------------------------------
# expected_progress() and trajectory()
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("year", "expected"),
    [(2018, 0.0), (2020, 0.0), (2021, 0.25), (2022, 0.5), (2023, 0.75), (2024, 1.0),
     (2025, 1.0), (2030, 1.0)],
)  # fmt: skip
def test_expected_progress(year: int, expected: float) -> None:
    assert expected_progress(2020, 2024, year) == expected


@pytest.mark.parametrize(
    "args",
    [
        pytest.param((2020, 2020, 2020), id="target-year-equals-baseline-year"),
        pytest.param((2021, 2020, 2020), id="target-year-before-baseline-year"),
        pytest.param((2020, 2024, 2021.0), id="float-year"),
        pytest.param((2020, 2024, True), id="bool-year"),
        pytest.param(("2020", 2024, 2021), id="string-year"),
    ],
)
def test_expected_progress_rejects_bad_years(args) -> None:
    with pytest.raises(ValueError):
        expected_progress(*args)


def test_trajectory_lower_is_better() -> None:
    series = Series(2020, 100, 2024, 60, {})
    assert trajectory(series) == [
        (2020, 100.0), (2021, 90.0), (2022, 80.0), (2023, 70.0), (2024, 60.0),
    ]  # fmt: skip


def test_trajectory_end_points_exact_with_awkward_floats() -> None:
    series = Series(2019, 0.1, 2022, 0.7, {2020: 0.3})
    path = trajectory(series)
    assert [y for y, _ in path] == [2019, 2020, 2021, 2022]
    assert path[0][1] == 0.1
    assert path[1][1] == 0.3  # 0.1 + 0.6/3, exactly on the typed decimals
    assert path[-1][1] == 0.7


def test_trajectory_hold_target_is_flat() -> None:
    assert trajectory(Series(2020, 5, 2022, 5, {})) == [(2020, 5.0), (2021, 5.0), (2022, 5.0)]


# --------------------------------------------------------------------------
# Series validation
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs",
    [
        pytest.param({"baseline": NAN}, id="nan-baseline"),
        pytest.param({"target": INF}, id="inf-target"),
        pytest.param({"actuals": {2021: NAN}}, id="nan-actual"),
        pytest.param({"actuals": {2021: -INF}}, id="inf-actual"),
        pytest.param({"actuals": {2021: None}}, id="none-actual"),
        pytest.param({"actuals": {"2021": 1}}, id="string-year-key"),
        pytest.param({"target_year": 2020}, id="target-year-not-after-baseline"),
        pytest.param({"baseline_year": 2020.0}, id="float-baseline-year"),
    ],
)
def test_series_rejects_bad_values(kwargs) -> None:
    base = {"baseline_year": 2020, "baseline": 0, "target_year": 2023, "target": 30, "actuals": {}}
    base.update(kwargs)
    with pytest.raises(ValueError):
        Series(**base)


def test_series_actuals_are_copied_and_read_only() -> None:
    actuals = {2021: 10.0}
    series = Series(2020, 0, 2023, 30, actuals)
    actuals[2022] = 20.0
    assert dict(series.actuals) == {2021: 10.0}
    with pytest.raises(TypeError):
        series.actuals[2022] = 20.0  # type: ignore[index]


@pytest.mark.parametrize("tolerance", [NAN, INF, -0.1, "0.1"])
def test_status_rejects_bad_tolerance(tolerance) -> None:
    with pytest.raises(ValueError):
        status(Series(2020, 0, 2023, 30, {2021: 10}), HIGHER, 2023, tolerance)


# --------------------------------------------------------------------------
# status()
# --------------------------------------------------------------------------

# Higher is better: 0 in FY2020 -> 30 in FY2023 (expected 10 per year).
UP = Series(2020, 0, 2023, 30, {2021: 10, 2023: 25})
# Lower is better: 100 in FY2020 -> 60 in FY2024 (expected -10 per year).
DOWN = Series(2020, 100, 2024, 60, {2021: 95, 2022: 80, 2024: 58})
# FY2021 entered, FY2022 and FY2023 never.
UP_GAP = Series(2020, 0, 2023, 30, {2021: 10})
# Only the running year FY2023 entered (early): it answers for the ended FY2022 too.
EARLY = Series(2020, 0, 2023, 30, {2023: 20})
# Target reached in FY2021, nothing entered for FY2022 or FY2023.
ACHIEVED_THEN_GAP = Series(2020, 0, 2025, 10, {2021: 12})


@pytest.mark.parametrize(
    ("series", "direction", "as_of", "tolerance", "expected"),
    [
        # as_of_year before any actual, and before the baseline year
        pytest.param(UP, HIGHER, 2020, 0.0, Status(NO_DATA, None, None, None, None),
                     id="up-as-of-baseline-year"),
        pytest.param(UP, HIGHER, 2015, 0.0, Status(NO_DATA, None, None, None, None),
                     id="up-as-of-before-baseline"),
        # exactly on the straight line
        pytest.param(UP, HIGHER, 2021, 0.0, Status(ON_TRACK, 1 / 3, 1 / 3, 2021, 10.0),
                     id="up-on-line"),
        # FY2022 is missing: the FY2021 value is used with FY2021's expectation
        pytest.param(UP, HIGHER, 2022, 0.0, Status(ON_TRACK, 1 / 3, 1 / 3, 2021, 10.0),
                     id="up-missing-year-uses-latest"),
        pytest.param(UP, HIGHER, 2023, 0.0, Status(BEHIND, 25 / 30, 1.0, 2023, 25.0),
                     id="up-behind-at-target-year"),
        pytest.param(UP, HIGHER, 2023, 0.2, Status(ON_TRACK, 25 / 30, 1.0, 2023, 25.0),
                     id="up-tolerance"),
        pytest.param(UP, HIGHER, 2030, 0.0, Status(BEHIND, 25 / 30, 1.0, 2023, 25.0),
                     id="up-as-of-after-target-year"),
        pytest.param(DOWN, LOWER, 2021, 0.0, Status(BEHIND, 0.125, 0.25, 2021, 95.0),
                     id="down-behind"),
        pytest.param(DOWN, LOWER, 2022, 0.0, Status(ON_TRACK, 0.5, 0.5, 2022, 80.0),
                     id="down-on-line"),
        pytest.param(DOWN, LOWER, 2023, 0.0, Status(ON_TRACK, 0.5, 0.5, 2022, 80.0),
                     id="down-missing-year-keeps-own-expectation"),
        pytest.param(DOWN, LOWER, 2024, 0.0, Status(ACHIEVED, 1.05, 1.0, 2024, 58.0),
                     id="down-beyond-target-achieved"),
        # P5: the last ended year's actual is due; an older one never stands in for it.
        pytest.param(UP_GAP, HIGHER, 2022, 0.0, Status(ON_TRACK, 1 / 3, 1 / 3, 2021, 10.0),
                     id="gap-current-year-not-yet-due"),
        pytest.param(UP_GAP, HIGHER, 2023, 0.0, Status(MISSING, None, None, None, None, 2022),
                     id="gap-ended-year-missing"),
        pytest.param(UP_GAP, HIGHER, 2030, 0.0, Status(MISSING, None, None, None, None, 2023),
                     id="gap-target-year-missing-after-the-cycle"),
        pytest.param(UP, HIGHER, 2024, 0.0, Status(BEHIND, 25 / 30, 1.0, 2023, 25.0),
                     id="up-target-year-entered"),
        pytest.param(EARLY, HIGHER, 2023, 0.0, Status(BEHIND, 2 / 3, 1.0, 2023, 20.0),
                     id="running-year-entered-early-covers-the-ended-year"),
        pytest.param(EARLY, HIGHER, 2021, 0.0, Status(NO_DATA, None, None, None, None),
                     id="first-cycle-year-running-nothing-due"),
        pytest.param(ACHIEVED_THEN_GAP, HIGHER, 2024, 0.0,
                     Status(MISSING, None, None, None, None, 2023),
                     id="achieved-earlier-but-ended-year-missing"),
    ],
)  # fmt: skip
def test_status_table(series, direction, as_of, tolerance, expected: Status) -> None:
    result = status(series, direction, as_of, tolerance)
    assert result.code == expected.code
    assert result.missing_year == expected.missing_year
    assert result.year == expected.year
    assert result.value == expected.value
    for got, want in ((result.progress, expected.progress), (result.expected, expected.expected)):
        assert (got is None) is (want is None)
        if want is not None:
            assert got == pytest.approx(want, abs=1e-12)


def test_status_achieved_early() -> None:
    series = Series(2020, 0, 2025, 10, {2021: 12})
    assert status(series, HIGHER, 2021) == Status(ACHIEVED, 1.2, 0.2, 2021, 12.0)


def test_status_achieved_then_slipped_back_uses_latest() -> None:
    series = Series(2020, 0, 2025, 10, {2021: 12, 2022: 3})
    result = status(series, HIGHER, 2022)
    assert result.code == BEHIND
    assert result.value == 3.0


def test_status_actual_worse_than_baseline() -> None:
    series = Series(2020, 50, 2022, 40, {2021: 55})
    result = status(series, LOWER, 2022)
    assert result.code == BEHIND
    assert result.progress == pytest.approx(-0.5)


def test_status_ignores_actual_in_baseline_year() -> None:
    series = Series(2020, 0, 2023, 30, {2019: 99, 2020: 99})
    assert status(series, HIGHER, 2021).code == NO_DATA
    # Once FY2021 has ended, the baseline-year value does not count as its actual.
    assert status(series, HIGHER, 2023) == Status(MISSING, None, None, None, None, 2022)


def test_status_float_values_exactly_on_line_are_on_track() -> None:
    # (0.04 - 0.01) / (0.1 - 0.01) in binary floats is 0.33333333333333326 < 1/3;
    # the exact decimal comparison keeps this on track.
    assert (0.04 - 0.01) / (0.1 - 0.01) < 1 / 3
    series = Series(2020, 0.01, 2023, 0.1, {2021: 0.04})
    assert status(series, HIGHER, 2021).code == ON_TRACK


@pytest.mark.parametrize(
    ("direction", "actual", "code"),
    [
        (HIGHER, 5, ACHIEVED),
        (HIGHER, 6, ACHIEVED),
        (HIGHER, 4, BEHIND),
        (LOWER, 5, ACHIEVED),
        (LOWER, 4, ACHIEVED),
        (LOWER, 6, BEHIND),
    ],
)
def test_status_hold_target(direction: str, actual: int, code: str) -> None:
    series = Series(2020, 5, 2023, 5, {2021: actual})
    assert status(series, direction, 2021).code == code


def test_status_revised_target_is_the_one_in_force() -> None:
    # Target raised from 30 to 60 in a revision: the caller passes the new one.
    actuals = {2021: 10, 2022: 20}
    original = Series(2020, 0, 2023, 30, actuals)
    revised = Series(2020, 0, 2023, 60, actuals)
    assert status(original, HIGHER, 2022).code == ON_TRACK
    assert status(revised, HIGHER, 2022).code == BEHIND
    # Target year moved later: the expectation is recomputed from the new line.
    extended = Series(2020, 0, 2026, 60, actuals)
    assert status(extended, HIGHER, 2022) == Status(ON_TRACK, 1 / 3, 1 / 3, 2022, 20.0)


def test_status_decimal_values() -> None:
    series = Series(2020, Decimal("1.10"), 2022, Decimal("1.30"), {2021: Decimal("1.20")})
    result = status(series, HIGHER, 2022)
    assert result.code == ON_TRACK
    assert result.value == 1.2
    assert result.progress == pytest.approx(0.5)


# --------------------------------------------------------------------------
# ordered_rank()
# --------------------------------------------------------------------------

FREQUENCY = ["リアルタイム", "日次", "週次", "月次"]  # best -> worst


@pytest.mark.parametrize(
    ("label", "rank"), [("リアルタイム", 3), ("日次", 2), ("週次", 1), ("月次", 0)]
)
def test_ordered_rank(label: str, rank: int) -> None:
    assert ordered_rank(FREQUENCY, label) == rank


@pytest.mark.parametrize(
    ("scale", "label"),
    [
        pytest.param(FREQUENCY, "年次", id="unknown-label"),
        pytest.param(FREQUENCY, " 日次", id="no-stripping"),
        pytest.param([], "日次", id="empty-scale"),
        pytest.param(["日次", "日次"], "日次", id="duplicate-labels"),
    ],
)
def test_ordered_rank_rejects(scale: list[str], label: str) -> None:
    with pytest.raises(ValueError):
        ordered_rank(scale, label)


def test_ordered_scale_with_status() -> None:
    # Monthly (月次) in FY2021, aiming for daily (日次) in FY2023; weekly in FY2022.
    rank = {label: ordered_rank(FREQUENCY, label) for label in FREQUENCY}
    series = Series(2021, rank["月次"], 2023, rank["日次"], {2022: rank["週次"]})
    assert status(series, HIGHER, 2022) == Status(ON_TRACK, 0.5, 0.5, 2022, 1.0)
    series = Series(2021, rank["月次"], 2023, rank["日次"], {2023: rank["リアルタイム"]})
    assert status(series, HIGHER, 2023).code == ACHIEVED


# --------------------------------------------------------------------------
# qualitative_target_status()
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("actuals", "as_of", "expected"),
    [
        # Level 2 in FY2022, target level 4 by FY2025 (expected +2/3 level a year).
        pytest.param({}, 2023, Status(NO_DATA, None, None, None, None), id="no-assessments"),
        pytest.param({}, 2025, Status(MISSING, None, None, None, None, 2024),
                     id="not-assessed-in-ended-years"),
        pytest.param({2022: 4}, 2023, Status(NO_DATA, None, None, None, None),
                     id="set-year-is-not-an-actual"),
        pytest.param({2022: 4}, 2024, Status(MISSING, None, None, None, None, 2023),
                     id="set-year-does-not-stand-in-for-an-ended-year"),
        pytest.param({2023: 3}, 2025, Status(MISSING, None, None, None, None, 2024),
                     id="last-ended-year-not-assessed"),
        pytest.param({2023: 3}, 2030, Status(MISSING, None, None, None, None, 2025),
                     id="target-year-not-assessed"),
        pytest.param({2023: 3}, 2022, Status(NO_DATA, None, None, None, None),
                     id="as-of-before-actual"),
        pytest.param({2023: 3}, 2023, Status(ON_TRACK, 0.5, 1 / 3, 2023, 3.0), id="on-track"),
        pytest.param({2023: 2}, 2023, Status(BEHIND, 0.0, 1 / 3, 2023, 2.0), id="stalled"),
        pytest.param({2023: 1}, 2023, Status(BEHIND, -0.5, 1 / 3, 2023, 1.0), id="regressed"),
        pytest.param({2023: 3, 2025: 3}, 2025, Status(BEHIND, 0.5, 1.0, 2025, 3.0),
                     id="missed-at-target-year"),
        pytest.param({2023: 3, 2024: 4}, 2025, Status(ACHIEVED, 1.0, 2 / 3, 2024, 4.0),
                     id="achieved-early-missing-year"),
        pytest.param({2024: 5}, 2024, Status(ACHIEVED, 1.5, 2 / 3, 2024, 5.0), id="beyond"),
    ],
)  # fmt: skip
def test_qualitative_target_status(actuals, as_of, expected: Status) -> None:
    result = qualitative_target_status(2022, 2, 4, 2025, actuals, as_of)
    assert result.code == expected.code
    assert result.missing_year == expected.missing_year
    assert result.year == expected.year
    assert result.value == expected.value
    assert result.progress == (
        None if expected.progress is None else pytest.approx(expected.progress)
    )
    assert result.expected == (
        None if expected.expected is None else pytest.approx(expected.expected)
    )


@pytest.mark.parametrize(
    ("current_at_set", "target", "actual", "code"),
    [(3, 3, 3, ACHIEVED), (3, 3, 2, BEHIND), (4, 3, 3, ACHIEVED), (4, 3, 2, BEHIND)],
)
def test_qualitative_hold_or_lower_target(current_at_set, target, actual, code) -> None:
    result = qualitative_target_status(2022, current_at_set, target, 2024, {2023: actual}, 2023)
    assert result.code == code


@pytest.mark.parametrize(
    "args",
    [
        pytest.param((2022, 6, 4, 2025, {}, 2023), id="current-6"),
        pytest.param((2022, 2, -1, 2025, {}, 2023), id="target-minus-1"),
        pytest.param((2022, 2, 4, 2025, {2023: 3.5}, 2023), id="actual-3.5"),
        pytest.param((2022, 2, 4, 2025, {2023: True}, 2023), id="actual-bool"),
        pytest.param((2022, 2, 4, 2025, {2023: None}, 2023), id="actual-none"),
        pytest.param((2022, None, 4, 2025, {}, 2023), id="current-none"),
        pytest.param((2022, 2, "4", 2025, {}, 2023), id="target-str"),
        pytest.param((2022, 2, 4, 2022, {}, 2023), id="target-year-equals-set-year"),
        pytest.param((2022, 2, 4, 2025, {}, "2023"), id="as-of-str"),
    ],
)
def test_qualitative_rejects_bad_input(args) -> None:
    with pytest.raises(ValueError):
        qualitative_target_status(*args)


# --------------------------------------------------------------------------
# Property tests
# --------------------------------------------------------------------------

values = st.one_of(
    st.integers(min_value=-(10**9), max_value=10**9),
    st.floats(min_value=-1e9, max_value=1e9, allow_nan=False, allow_infinity=False),
)
directions = st.sampled_from([HIGHER, LOWER])
years = st.integers(min_value=1990, max_value=2100)


def _better(a, b, direction: str) -> bool:
    return a >= b if direction == HIGHER else a <= b


@st.composite
def series_and_direction(draw):
    baseline_year = draw(years)
    target_year = draw(st.integers(min_value=baseline_year + 1, max_value=baseline_year + 15))
    actuals = draw(
        st.dictionaries(st.integers(min_value=baseline_year - 3, max_value=target_year + 5), values)
    )
    series = Series(baseline_year, draw(values), target_year, draw(values), actuals)
    return series, draw(directions)


@given(
    baseline=values,
    target=values,
    overshoot=st.floats(min_value=0, max_value=1e9, allow_nan=False),
    direction=directions,
    baseline_year=years,
    span=st.integers(min_value=1, max_value=15),
    offset=st.integers(min_value=1, max_value=30),
    extra=st.integers(min_value=0, max_value=10),
)
def test_reaching_the_target_is_achieved(
    baseline, target, overshoot, direction, baseline_year, span, offset, extra
) -> None:
    actual = target + overshoot if direction == HIGHER else target - overshoot
    assume(math.isfinite(actual))
    year = baseline_year + offset
    series = Series(baseline_year, baseline, baseline_year + span, target, {year: actual})
    result = status(series, direction, year + extra)
    # Once a year after the measured one has ended inside the cycle, its actual is due (P5).
    if min(year + extra - 1, baseline_year + span) > year:
        assert result.code == MISSING
        return
    assert result.code == ACHIEVED
    assert result.progress is not None and result.progress >= 1.0


@given(baseline=values, target=values, a1=values, a2=values, direction=directions)
def test_progress_is_monotone_in_actual(baseline, target, a1, a2, direction) -> None:
    low, high = sorted((a1, a2))
    p_low = progress(baseline, target, low, direction)
    p_high = progress(baseline, target, high, direction)
    if direction == HIGHER:
        assert p_low <= p_high
    else:
        assert p_low >= p_high


@given(baseline=values, target=values, direction=directions)
def test_progress_is_0_at_baseline_and_1_at_target(baseline, target, direction) -> None:
    assert progress(baseline, target, target, direction) == 1.0
    if requires_improvement(baseline, target, direction):
        assert progress(baseline, target, baseline, direction) == 0.0
    else:
        # P3: no improvement required, the baseline itself meets the target or not.
        assert progress(baseline, target, baseline, direction) == (
            1.0 if _better(baseline, target, direction) else 0.0
        )


@given(baseline=values, target=values, actual=values, direction=directions)
def test_progress_sign_matches_baseline_and_target(baseline, target, actual, direction) -> None:
    assume(requires_improvement(baseline, target, direction))
    p = progress(baseline, target, actual, direction)
    # Implications rather than equivalences: the float result of an exact ratio
    # just below 1 (or just below 0) may round to 1.0 (or to -0.0).
    if p < 0:
        assert not _better(actual, baseline, direction)
    if not _better(actual, baseline, direction):
        assert p <= 0
    if _better(actual, target, direction):
        assert p >= 1
    if p > 1:
        assert _better(actual, target, direction)


@given(
    baseline_year=years,
    span=st.integers(min_value=1, max_value=30),
    y1=st.integers(min_value=1950, max_value=2150),
    y2=st.integers(min_value=1950, max_value=2150),
)
def test_expected_progress_is_monotone_and_clamped(baseline_year, span, y1, y2) -> None:
    target_year = baseline_year + span
    low, high = sorted((y1, y2))
    e_low = expected_progress(baseline_year, target_year, low)
    e_high = expected_progress(baseline_year, target_year, high)
    assert 0.0 <= e_low <= e_high <= 1.0
    assert expected_progress(baseline_year, target_year, baseline_year) == 0.0
    assert expected_progress(baseline_year, target_year, target_year) == 1.0


@given(series_and_direction(), st.integers(min_value=1985, max_value=2125))
def test_status_uses_a_real_actual_and_never_invents_one(data, as_of) -> None:
    series, direction = data
    result = status(series, direction, as_of)
    eligible = [y for y in series.actuals if series.baseline_year < y <= as_of]
    due = min(as_of - 1, series.target_year)
    if due > series.baseline_year and (not eligible or max(eligible) < due):
        assert result == Status(MISSING, None, None, None, None, missing_year=due)
        return
    if not eligible:
        assert result == Status(NO_DATA, None, None, None, None)
        return
    assert result.year == max(eligible)
    assert result.value == float(series.actuals[result.year])
    assert result.code in (ACHIEVED, ON_TRACK, BEHIND)
    assert result.expected == expected_progress(
        series.baseline_year, series.target_year, result.year
    )
    assert result.progress == progress(series.baseline, series.target, result.value, direction)
    assert (result.code == ACHIEVED) is is_reached(series.target, result.value, direction)


@given(series_and_direction(), st.integers(min_value=1985, max_value=2125))
def test_tolerance_only_ever_improves_status(data, as_of) -> None:
    series, direction = data
    strict = status(series, direction, as_of)
    lenient = status(series, direction, as_of, tolerance=0.25)
    order = {NO_DATA: -1, MISSING: -1, BEHIND: 0, ON_TRACK: 1, ACHIEVED: 2}
    assert order[lenient.code] >= order[strict.code]
    assert (strict.code == NO_DATA) is (lenient.code == NO_DATA)
    assert (strict.code == MISSING) is (lenient.code == MISSING)


@given(series_and_direction())
def test_trajectory_runs_from_baseline_to_target(data) -> None:
    series, _ = data
    path = trajectory(series)
    assert [y for y, _ in path] == list(range(series.baseline_year, series.target_year + 1))
    assert path[0][1] == float(series.baseline)
    assert path[-1][1] == float(series.target)
    steps = [b - a for (_, a), (_, b) in zip(path, path[1:], strict=False)]
    if series.target >= series.baseline:
        assert all(s >= 0 for s in steps)
    else:
        assert all(s <= 0 for s in steps)


@given(
    st.decimals(allow_nan=False, allow_infinity=False, places=None)
    | st.integers(min_value=-(10**30), max_value=10**30).map(Decimal)
)
def test_exact_decimal_fast_path_is_the_fraction(value: Decimal) -> None:
    """_exact's fast path (a Decimal's integer ratio) is Fraction's own exact conversion."""
    from scoring.progress import _exact

    assert _exact(value) == Fraction(value)
    assert _exact(int(value)) == Fraction(int(value))


@pytest.mark.parametrize("zero", [0.0, -0.0])
def test_exact_zero_float_fast_path(zero: float) -> None:
    from scoring.progress import _exact

    assert _exact(zero) == Fraction(repr(zero)) == 0


@pytest.mark.parametrize("value", [Decimal("Infinity"), Decimal("-Infinity"), Decimal("sNaN")])
def test_exact_still_rejects_non_finite_decimals(value) -> None:
    from scoring.progress import _exact

    with pytest.raises(ValueError):
        _exact(value)
