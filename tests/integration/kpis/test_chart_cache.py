"""An indicator's status and progress chart are remembered per worker (app/kpis/cache.py). Each
change that alters them gives what a fresh computation gives: the key follows every one (a
value entered, changed or removed; the target, its year, the baseline, its year; the unit, the
scale, the value type, the direction; the fiscal year judged in; the chart's size; the
language)."""

from decimal import Decimal

import pytest

from app.kpis import cache
from app.kpis.progress import _status_and_chart, indicator_progress
from tests.integration.kpi_helpers import make_indicator, this_fiscal_year

FY = this_fiscal_year()


def _set(**fields):
    def change(indicator, values):
        for name, value in fields.items():
            setattr(indicator, name, value)
        return values

    return change


CHANGES = [
    ("a value entered", lambda i, v: {**v, FY - 2: Decimal(8)}),
    ("a value changed", lambda i, v: {**v, FY - 2: Decimal(9)}),
    ("another year entered", lambda i, v: {**v, FY - 1: Decimal(15)}),
    ("a value removed", lambda i, v: {y: x for y, x in v.items() if y != FY - 2}),
    ("the target revised", _set(target_value=Decimal(30))),
    ("the target year moved", _set(target_year=FY + 1)),
    ("the baseline corrected", _set(baseline_value=Decimal(6))),
    ("the baseline year moved", _set(baseline_year=FY - 4)),
    ("the unit edited", _set(unit="名")),
    ("the direction turned", _set(direction="lower")),
    (
        "an ordered scale",
        _set(
            value_type="ordered",
            unit=None,
            scale=["高", "中", "低"],
            baseline_value=Decimal(0),
            target_value=Decimal(2),
        ),
    ),
    ("the scale relabelled", _set(scale=["とても高い", "中くらい", "低い"])),
]


def same(a, b) -> bool:
    return a[0] == b[0] and a[1] == b[1]


def test_every_change_gives_the_fresh_figures(app, db, make_user, make_company):
    user = make_user()
    company = make_company(owner=user)
    indicator = make_indicator(company, user)
    values: dict[int, Decimal] = {}
    cache.clear()
    with app.app_context(), app.test_request_context("/"):
        before = indicator_progress(indicator, values, FY)  # remembered
        for what, change in CHANGES:
            values = change(indicator, values)
            fresh = _status_and_chart(indicator, values, FY, "full")
            got = indicator_progress(indicator, values, FY)
            assert (got.status, got.chart) == fresh, what
            assert (got.chart, got.status) != (before.chart, before.status), f"{what}: no change"
            before = got
        # the fiscal year judged in, the chart's size
        later = indicator_progress(indicator, values, FY + 1)
        assert (later.status, later.chart) == _status_and_chart(indicator, values, FY + 1, "full")
        assert later.status != before.status
        compact = indicator_progress(indicator, values, FY, "compact")
        assert compact.chart == _status_and_chart(indicator, values, FY, "compact")[1]
        assert compact.chart != before.chart
    with app.app_context(), app.test_request_context("/?lang=en"):  # (a g of its own)
        english = indicator_progress(indicator, values, FY)
        assert (english.status, english.chart) == _status_and_chart(indicator, values, FY, "full")
        assert english.chart != before.chart


def test_entries_are_reused_and_bounded(app, db, make_user, make_company):
    user = make_user()
    company = make_company(owner=user)
    indicator = make_indicator(company, user)
    cache.clear()
    with app.test_request_context("/"):
        first = indicator_progress(indicator, {}, FY)
        assert indicator_progress(indicator, {}, FY).chart is first.chart  # a hit
        app.config["KPI_CHART_CACHE_SIZE"] = 2
        try:
            for year in (FY - 2, FY - 1, FY):
                indicator_progress(indicator, {year: Decimal(7)}, FY)
            assert len(cache._STORE) == 2
            assert indicator_progress(indicator, {}, FY).chart is not first.chart  # aged out
        finally:
            app.config["KPI_CHART_CACHE_SIZE"] = cache.DEFAULT_SIZE
        app.config["KPI_CHART_CACHE_SIZE"] = 0
        try:
            off = indicator_progress(indicator, {}, FY)
            assert indicator_progress(indicator, {}, FY).chart is not off.chart  # 0 = off
        finally:
            app.config["KPI_CHART_CACHE_SIZE"] = cache.DEFAULT_SIZE


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_the_detail_page_follows_an_entered_value(client, login, make_user, make_company, lang):
    """Through the pages: the chart's actual line shows a value entered after the page was
    seen (the cache had the chart without it)."""
    from tests.integration.kpi_helpers import post_values

    user = make_user()
    company = make_company(owner=user)
    indicator = make_indicator(company, user)
    login(user.email)
    from bs4 import BeautifulSoup

    def actual_points():
        html = client.get(f"/kpis/{indicator.id}?lang={lang}").get_data(as_text=True)
        return [t.get_text() for t in BeautifulSoup(html, "html.parser").select("svg title")]

    seen = actual_points()
    assert post_values(client, indicator.id, {FY - 2: "12"}).status_code in (302, 303)
    now = actual_points()
    assert now != seen
    assert any("12" in t for t in now) and not any("12人" in t for t in seen)
