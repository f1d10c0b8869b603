"""Fiscal years (年度): a fiscal year is named by the calendar year it starts in."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

JST = ZoneInfo("Asia/Tokyo")


def today_jst() -> date:
    # Deadlines and fiscal years follow Japanese time, whatever the server's timezone.
    return datetime.now(JST).date()


def fiscal_year_of(day: date, start_month: int) -> int:
    return day.year if day.month >= start_month else day.year - 1
