"""Fiscal years (年度): a fiscal year is named by the calendar year it starts in."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask_babel import gettext as _

JST = ZoneInfo("Asia/Tokyo")
# The index was published in 2019; no self-assessment can be for an earlier year.
FIRST_FISCAL_YEAR = 2019


def today_jst() -> date:
    # Deadlines and fiscal years follow Japanese time, whatever the server's timezone.
    return datetime.now(JST).date()


def fiscal_year_of(day: date, start_month: int) -> int:
    return day.year if day.month >= start_month else day.year - 1


def startable_year_problem(year: int, company) -> str | None:
    """Why an assessment cannot be started for ``year``: only the company's current fiscal
    year or a past one (for history), never a future one nor one before the index existed."""
    current = fiscal_year_of(today_jst(), company.fiscal_year_start_month)
    if FIRST_FISCAL_YEAR <= year <= current:
        return None
    return _(
        "診断を始められるのは%(first)d年度から%(current)d年度（今年度）までです。",
        first=FIRST_FISCAL_YEAR,
        current=current,
    )
