"""The one way figures are written on pages, chart labels and exports (scoring rule R9).

Every mean, median, gap, change, share and percentage goes through ``scoring.round_half_away``
(half away from zero on the value's decimal form), so a page, its chart and the CSV can never
disagree on a tie such as 2.125 or 31.25%. No Flask here: exports and chart builders use it too.
"""

from decimal import Decimal

from scoring import round_half_away

DASH = "—"
NOT_COMPARABLE = "比較不可"
SCORE_PLACES = 2  # IPA reports maturity figures with two decimals


def score_text(value) -> str:
    """A mean, median or gap of maturity levels: '2.13'; a missing value is a dash."""
    rounded = round_half_away(value, SCORE_PLACES)
    return DASH if rounded is None else f"{rounded:.{SCORE_PLACES}f}"


def delta_text(value, missing: str = NOT_COMPARABLE) -> str:
    """A signed change: '+0.13' for a change of means, '+1' for a change of one item's level."""
    if value is None:
        return missing
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:+d}"
    rounded = round_half_away(value, SCORE_PLACES)
    return f"{rounded:+.{SCORE_PLACES}f}"


def percent_value(share, places: int = 1) -> Decimal | None:
    """A share (0.3125) as a rounded percentage number (31.3), for the CSV and the text below."""
    return round_half_away(share, places, scale=100)


def percent_text(share, places: int = 1) -> str:
    """A share as a percentage: '31.3%' (one decimal) or '13%' (places=0); missing: a dash."""
    value = percent_value(share, places)
    return DASH if value is None else f"{value:.{places}f}%"
