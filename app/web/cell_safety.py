"""Text bound for a spreadsheet (CSV or .xlsx), defused against formula injection.

One rule for every download the application writes: a text cell starting with = + - @ TAB CR
(or NUL) would be read by a spreadsheet as a formula (CSV) or could become one when a person
edits the cell (.xlsx). The bureau report CSV, the company's own CSV and the Excel export all
use these functions.
"""

from decimal import Decimal

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\0")


def formula_like(text: str) -> bool:
    return text.startswith(FORMULA_STARTS)


def safe_cell(value):
    """A value as written to a CSV: numbers unchanged, text defused with a leading '."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "はい" if value else "いいえ"
    if isinstance(value, int | float | Decimal):
        return value
    text = str(value)
    return "'" + text if formula_like(text) else text
