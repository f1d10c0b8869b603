"""Which companies a release counts as 先行企業: the index version's own rule from its data
(scale, threshold, overall or one framework), or none when the version defines no rule."""

from __future__ import annotations

from collections.abc import Callable

from scoring import is_leading, structure_from_index


def leading_test(index) -> Callable | None:
    """A function of a release's company row (sums and counts of levels) -> leading or not;
    None when the version has no rule (the share is then not shown)."""
    rule = structure_from_index(index).leading_rule
    if rule is None:
        return None
    scale, threshold, scope = rule
    which = 0 if scale == "current" else 1

    def test(company) -> bool:
        if scope == "overall":
            sum_count = company.current if which == 0 else company.target
        else:
            sum_count = company.frameworks[scope][which]
        return is_leading(*sum_count, threshold)

    return test
