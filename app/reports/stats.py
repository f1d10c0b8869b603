"""Pure statistics for the bureau reports: summaries and the small-cell suppression rule.

No Flask or SQLAlchemy here, so the disclosure rules can be tested on plain numbers.

Suppression (statistical disclosure control, not an ASVS rule):
- primary: a cell based on fewer than ``MIN_COMPANIES`` companies is not shown;
- secondary: when a table also shows its total, the hidden cells together can be recovered by
  subtraction (total minus the shown rows). If the hidden cells hold between 1 and
  ``MIN_COMPANIES - 1`` companies in all, the smallest shown cells are hidden as well until the
  hidden group holds at least ``MIN_COMPANIES`` companies (or every cell is hidden).
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass

MIN_COMPANIES = 5
SUPPRESSED_TEXT = "—（5社未満のため非表示）"


def is_small(n: int) -> bool:
    return n < MIN_COMPANIES


def suppressed_cells(counts: Sequence[int]) -> set[int]:
    """Indexes of the cells to hide in a table whose rows add up to a total that is shown."""
    hidden = {i for i, n in enumerate(counts) if is_small(n)}
    hidden_total = sum(counts[i] for i in hidden)
    # Hiding more only matters when the hidden group has companies but fewer than the minimum.
    shown = sorted((n, i) for i, n in enumerate(counts) if i not in hidden)
    while 0 < hidden_total < MIN_COMPANIES and shown:
        n, i = shown.pop(0)
        hidden.add(i)
        hidden_total += n
    return hidden


@dataclass(frozen=True)
class Summary:
    """Mean and median of one value per company (every company weighted equally)."""

    n: int
    mean: float | None
    median: float | None

    @classmethod
    def of(cls, values: Sequence[float]) -> Summary:
        if not values:
            return cls(0, None, None)
        return cls(len(values), statistics.fmean(values), statistics.median(values))


def share(part: int, whole: int) -> float | None:
    """part / whole, or None for an empty group."""
    return part / whole if whole else None
