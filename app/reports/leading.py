"""Which companies a release counts as 先行企業: the index version's own rule from its data
(scale, threshold, overall or one framework), or none when the version defines no rule."""

from __future__ import annotations

from typing import NamedTuple

from scoring import structure_from_index


class LeadingRule(NamedTuple):
    framework: str | None  # the framework whose levels count, None: all of the index's items
    side: int  # 0: current levels, 1: target levels
    threshold: int  # scoring.is_leading's: the mean level reaches it


def leading_rule(index) -> LeadingRule | None:
    """The version's rule as the release build applies it to a company's sums and counts of
    levels (scoring.is_leading); None when the version has no rule (the share is then not
    shown)."""
    rule = structure_from_index(index).leading_rule
    if rule is None:
        return None
    scale, threshold, scope = rule
    return LeadingRule(
        None if scope == "overall" else scope, 0 if scale == "current" else 1, threshold
    )
