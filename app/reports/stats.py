"""Pure statistics for the bureau reports: summaries of one value per company.

No Flask or SQLAlchemy here. The disclosure rules live in app/reports/disclosure.py.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass


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
