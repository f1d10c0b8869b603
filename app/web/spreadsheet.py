"""Cells of spreadsheet exports (CSV and .xlsx): the one function that neutralises text a
spreadsheet could run as a formula (OWASP "CSV injection").

A text cell starting with = + - @ TAB CR LF or NUL gets a leading apostrophe, so Excel,
LibreOffice and Google Sheets show it as text. Numbers stay numbers (a negative change is a
number, not text). No Flask here.
"""

from decimal import Decimal

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "\0")


def neutralise(value):
    """A value as written to a spreadsheet cell: numbers unchanged, text defused."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "はい" if value else "いいえ"
    if isinstance(value, int | float | Decimal):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text
