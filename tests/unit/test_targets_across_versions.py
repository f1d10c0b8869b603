"""P10: target levels followed across index versions (scoring.progress) and which newer items
continue an older one (questionnaires.mapping.continuations)."""

from __future__ import annotations

import pytest

from questionnaires.mapping import continuations
from scoring.progress import (
    ACHIEVED,
    BEHIND,
    MISSING,
    NO_DATA,
    NOT_COMPARABLE,
    continued_level,
    qualitative_target_status,
)

# {newer item: its one predecessor or None}, as app.indexes.services.predecessors gives it:
# 1 -> A1 (one to one), 4 -> B1 and B1-1 (a split), 8 and 9 -> C1 (a merge: no predecessor).
PREDECESSOR_OF = {"A1": "1", "B1": "4", "B1-1": "4", "C1": None, "A1-1": None}


def test_continuations_follow_one_to_one_and_splits_but_not_merges():
    assert continuations(PREDECESSOR_OF) == {"1": ("A1",), "4": ("B1", "B1-1")}


def test_continued_level_is_the_lowest_part_and_needs_every_part():
    assert continued_level([3]) == 3
    assert continued_level([4, 2, 3]) == 2
    assert continued_level([4, None]) is None
    assert continued_level([]) is None
    with pytest.raises(ValueError):
        continued_level([6])


@pytest.mark.parametrize(
    ("actuals", "not_comparable", "as_of", "code", "year"),
    [
        # The only later year is of another version without a continuation: 比較不可, not
        # データなし, even before anything is due.
        ({}, (2026,), 2026, NOT_COMPARABLE, 2026),
        # ... and not 実績未入力 once that year has ended.
        ({}, (2026,), 2027, NOT_COMPARABLE, 2026),
        # A comparable actual after it decides as usual.
        ({2027: 3}, (2026,), 2027, ACHIEVED, None),
        ({2027: 2}, (2026,), 2028, BEHIND, None),
        # A year with no submission at all is still 実績未入力 (P5) when nothing blocks it.
        ({}, (), 2027, MISSING, None),
        ({}, (), 2026, NO_DATA, None),
        # Due year 2027 has no submission while 2026 was not comparable: the not comparable
        # year lies before the due year, so the missing actual is what is reported.
        ({}, (2026,), 2028, MISSING, None),
    ],
)
def test_not_comparable_years_block_only_when_no_actual_decides(
    actuals, not_comparable, as_of, code, year
):
    result = qualitative_target_status(2025, 2, 3, 2028, actuals, as_of, not_comparable)
    assert result.code == code
    if code == NOT_COMPARABLE:
        assert result.missing_year == year
        assert result.progress is None and result.value is None


def test_a_not_comparable_year_cannot_also_have_an_actual():
    with pytest.raises(ValueError):
        qualitative_target_status(2025, 2, 3, 2028, {2026: 3}, 2026, (2026,))
