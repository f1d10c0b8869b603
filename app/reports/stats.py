"""Pure statistics for the bureau reports: summaries of one value per company.

No Flask or SQLAlchemy here. The disclosure rules live in app/reports/disclosure.py.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
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

    @classmethod
    def of_counted(cls, counted: Sequence[tuple[float, int]]) -> Summary:
        """``of`` the values that ``counted`` (see ``counted``) expands to, bit for bit, without
        expanding or sorting them: a release's cells hold ~900k company means at 100k companies
        but only a few hundred distinct ones (sums of levels over item counts)."""
        n = sum(count for _value, count in counted)
        if not n:
            return cls(0, None, None)
        return cls(n, _exact_sum(counted) / n, median_of_counted(counted))


def counted(values: Iterable[float | None]) -> list[tuple[float, int]]:
    """Ascending (distinct value, how often) of the values that are not None."""
    counts = Counter(values)
    counts.pop(None, None)
    return sorted(counts.items())


def _exact_sum(counted: Sequence[tuple[float, int]]) -> float:
    """math.fsum of the expanded values: their exact sum (every float is an integer over a power
    of two, so over the largest such denominator the sum is an integer), correctly rounded by
    Python's integer division as fsum rounds it; statistics.fmean divides that by n."""
    ratios = [value.as_integer_ratio() for value, _count in counted]
    scale = max(denominator for _numerator, denominator in ratios)
    total = sum(
        numerator * (scale // denominator) * count
        for (numerator, denominator), (_value, count) in zip(ratios, counted, strict=True)
    )
    return total / scale


def median_of_counted(counted: Sequence[tuple[float, int]]) -> float | None:
    """statistics.median of the values that ``counted`` (ascending (value, count)) expands to."""
    n = sum(count for _value, count in counted)
    if not n:
        return None

    def at(position: int) -> float:
        for value, count in counted:
            if position < count:
                return value
            position -= count
        raise IndexError(position)

    if n % 2:
        return at(n // 2)
    return (at(n // 2 - 1) + at(n // 2)) / 2


def share(part: int, whole: int) -> float | None:
    """part / whole, or None for an empty group."""
    return part / whole if whole else None
