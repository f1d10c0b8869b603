"""R9 rounding (round_half_away) and R10 year-over-year comparisons (compare_years)."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.web.numbers import delta_text, percent_text, percent_value, score_text
from scoring import (
    Change,
    YearCard,
    compare_years,
    compute_delta,
    round_half_away,
    score_assessment,
)
from tests.unit.test_scoring_maturity import ALL_IDS, S, uniform

# --------------------------------------------------------------------------
# R9: one rounding for every figure
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "places", "scale", "expected"),
    [
        (34 / 16, 2, 1, "2.13"),  # IT current levels summing to 34 over 16 items
        (42 / 16, 2, 1, "2.63"),  # targets summing to 42
        (0.125, 2, 1, "0.13"),  # a gap
        (-0.125, 2, 1, "-0.13"),  # half away from zero, also below it
        (2.675, 2, 1, "2.68"),  # binary 2.67499999... but typed as 2.675
        (5 / 16, 1, 100, "31.3"),  # 5 of 16 leading companies
        (1 / 8, 0, 100, "13"),  # KPI progress 1 of 8
        (0.125, 0, 100, "13"),
        (0.5, 0, 1, "1"),
        (-0.001, 2, 1, "0.00"),  # never a negative zero
        (Decimal("12.5"), 0, 1, "13"),
        (Fraction(1, 8), 3, 1, "0.125"),
        (Fraction(1, 3), 2, 1, "0.33"),
        (7, 2, 1, "7.00"),
    ],
)
def test_round_half_away(value, places, scale, expected) -> None:
    assert str(round_half_away(value, places, scale=scale)) == expected


@pytest.mark.parametrize("value", [True, float("nan"), float("inf")])
def test_round_half_away_rejects_non_numbers(value) -> None:
    with pytest.raises(ValueError):
        round_half_away(value, 2)


def test_display_functions_use_r9() -> None:
    assert [score_text(34 / 16), score_text(0.125), score_text(42 / 16)] == ["2.13", "0.13", "2.63"]
    assert score_text(None) == "—"
    assert [delta_text(-0.8), delta_text(0.125), delta_text(-0.125)] == ["-0.80", "+0.13", "-0.13"]
    assert [delta_text(1), delta_text(-2), delta_text(0)] == ["+1", "-2", "+0"]
    assert delta_text(None) == "比較不可" and delta_text(None, "—") == "—"
    assert delta_text(-0.0001) == "+0.00"
    assert [percent_text(5 / 16), percent_text(0.125, 0), percent_text(None)] == [
        "31.3%",
        "13%",
        "—",
    ]
    assert percent_value(0.3125) == Decimal("31.3")


@given(st.integers(min_value=-10_000, max_value=10_000), st.integers(min_value=0, max_value=3))
def test_ties_always_round_away_from_zero(n, places) -> None:
    # n + 0.5 units of the last place: an exact tie on the decimal form.
    unit = Decimal(1).scaleb(-places)
    tie = (Decimal(n) + Decimal("0.5")) * unit
    rounded = round_half_away(float(tie), places)
    expected = (Decimal(n) + (1 if n >= 0 else 0)) * unit
    assert rounded == expected
    assert abs(rounded) >= abs(tie)


# --------------------------------------------------------------------------
# R10: which year a change compares against
# --------------------------------------------------------------------------


def card_at(level: int):
    return score_assessment(S, uniform(level, 5))


def test_no_earlier_year_means_no_comparison() -> None:
    this = YearCard(2025, "2019-07", card_at(2))
    assert compare_years(this, [this, YearCard(2026, "2019-07", card_at(3))]) is None


def test_compares_with_the_latest_earlier_year() -> None:
    this = YearCard(2026, "2019-07", card_at(3))
    years = [YearCard(2023, "2019-07", card_at(1)), YearCard(2024, "2019-07", card_at(2)), this]
    result = compare_years(this, years)
    assert result is not None
    assert result.previous.fiscal_year == 2024
    assert not result.is_previous_year  # two years back: the page names 2024年度
    assert result.comparable
    assert result.delta.overall == Change(1.0, 0.0)
    assert result.delta == compute_delta(this.card, years[1].card)


def test_previous_fiscal_year_is_named_as_such() -> None:
    this = YearCard(2025, "2019-07", card_at(3))
    result = compare_years(this, [YearCard(2024, "2019-07", card_at(1)), this])
    assert result.is_previous_year and result.delta.overall.current == 2.0


def test_a_reopened_year_is_compared_by_its_last_submitted_card() -> None:
    earlier = YearCard(2024, "2019-07", card_at(4), reopened=True, revision=2)
    this = YearCard(2025, "2019-07", card_at(3))
    result = compare_years(this, [earlier, this])
    assert result.previous.reopened and result.previous.revision == 2
    assert result.delta.overall.current == -1.0


def test_another_index_version_is_not_comparable() -> None:
    this = YearCard(2025, "2019-07", card_at(3))
    result = compare_years(this, [YearCard(2024, "2030-01", card_at(1)), this])
    assert result is not None and result.previous.fiscal_year == 2024
    assert not result.comparable and result.delta is None


def test_the_stored_delta_of_a_card_is_never_used() -> None:
    # A card frozen with a delta against an old version of last year's answers.
    stale = score_assessment(S, uniform(3, 5), previous=card_at(1))
    this = YearCard(2025, "2019-07", stale)
    result = compare_years(this, [YearCard(2024, "2019-07", card_at(4)), this])
    assert stale.delta.overall.current == 2.0
    assert result.delta.overall.current == -1.0
    assert all(result.delta.items[i].current == -1 for i in ALL_IDS)
