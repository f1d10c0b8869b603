"""The results, progress and history pages draw the parts built from submitted versions once
per key (app/assessments/cache.py, app/progress/cache.py, issue 16). These tests change what such a
part shows in every way the app allows — reopen, resubmit, a new earlier year, a new release,
another language, another as-of year — and check the page follows at once, in the same
process (the same cache), on SQLite and PostgreSQL. And that a warm page does not read the
years' stored scores or answers again.
"""

from __future__ import annotations

from contextlib import contextmanager
from decimal import Decimal

import pytest
from sqlalchemy import event

from app.extensions import db as _db
from app.kpis import services as kpi_services
from tests.integration.kpi_helpers import make_indicator, this_fiscal_year
from tests.integration.yoy_helpers import (
    ITEM_IDS,
    reopen_year,
    save_answers,
    start_year,
    submit_year,
)


def levels(current: int, target: int = 5) -> dict[str, tuple[int, int]]:
    return {i: (current, target) for i in ITEM_IDS}


@pytest.fixture()
def owner_and_company(make_user, make_company):
    owner = make_user(email="owner@example.jp")
    return owner, make_company(owner, name="キャッシュ検証株式会社")


def submitted_year(company, owner, year, current, target=5):
    assessment = start_year(company, owner, year)
    save_answers(assessment, owner, levels(current, target))
    submit_year(assessment, owner)
    return assessment


def resubmit(assessment, owner, current, target=5):
    reopen_year(assessment, owner)
    save_answers(assessment, owner, levels(current, target))
    submit_year(assessment, owner)


def overall_tile(page) -> tuple[str, str]:
    """(current mean, change text) of the results page's first score tile."""
    tile = page.select(".score-summary .score-tile")[0]
    change = tile.select_one(".change")
    return tile.select_one(".value").get_text(strip=True), (
        " ".join(change.get_text().split()) if change else ""
    )


def results(client_request, assessment, **query):
    page = client_request.get("assessments.results", assessment_id=assessment.id, **query)
    assert page.status_code == 200
    return page


def test_results_follow_a_resubmission_and_a_reopened_compared_year(
    client_request, owner_and_company
):
    owner, company = owner_and_company
    y2024 = submitted_year(company, owner, 2024, 2)
    y2025 = submitted_year(company, owner, 2025, 3)
    client_request.login(owner)
    assert overall_tile(results(client_request, y2025)) == ("3.00", "前年度比 +1.00")
    assert overall_tile(results(client_request, y2025)) == ("3.00", "前年度比 +1.00")  # warm

    resubmit(y2025, owner, 4)  # the shown version itself changes
    assert overall_tile(results(client_request, y2025)) == ("4.00", "前年度比 +2.00")

    reopen_year(y2024, owner)  # the compared year is reopened: said on the page
    page = results(client_request, y2025)
    assert "再編集中" in page.text(".comparison-note")
    save_answers(y2024, owner, levels(1))
    submit_year(y2024, owner)  # ... and resubmitted with other answers
    page = results(client_request, y2025)
    assert page.select(".comparison-note") == []
    assert overall_tile(page) == ("4.00", "前年度比 +3.00")

    reopen_year(y2025, owner)  # the shown year reopened: its last submitted version is shown
    page = results(client_request, y2025)
    assert page.select(".reopened-note")
    assert overall_tile(page) == ("4.00", "前年度比 +3.00")
    assert "（第2版）" in page.select("p.hint")[-1].get_text()  # the kept version's number


def test_results_follow_a_new_earlier_year(client_request, owner_and_company):
    owner, company = owner_and_company
    y2025 = submitted_year(company, owner, 2025, 3)
    client_request.login(owner)
    assert overall_tile(results(client_request, y2025)) == ("3.00", "")  # nothing to compare
    submitted_year(company, owner, 2023, 1)  # an earlier year submitted afterwards
    assert overall_tile(results(client_request, y2025)) == ("3.00", "2023年度比 +2.00")


def test_results_follow_a_new_release_of_the_benchmarks(app, client_request, owner_and_company):
    owner, company = owner_and_company
    y2025 = submitted_year(company, owner, 2025, 3)
    client_request.login(owner)
    before = results(client_request, y2025).text("#benchmarks-heading + p")
    assert "まだ公表済みの集計に含まれていません" in before
    outcome = app.test_cli_runner().invoke(args=["reports", "release", "--year", "2025"])
    assert outcome.exit_code == 0, outcome.output
    after = results(client_request, y2025).text("#benchmarks-heading + p")
    assert "比較対象の企業が足りない" in after  # counted now (one company: no group shown)


def test_results_follow_the_language(client_request, owner_and_company):
    owner, company = owner_and_company
    submitted_year(company, owner, 2024, 2)
    y2025 = submitted_year(company, owner, 2025, 3)
    client_request.login(owner)
    heading = "section.chart-panel h2"
    assert results(client_request, y2025).text(heading) == "キークエスチョン別の成熟度"
    page = results(client_request, y2025, lang="en")
    assert page.text(heading) != "キークエスチョン別の成熟度"
    assert overall_tile(page)[1] == "vs. Previous year +1.00"  # the labels drawn in English too
    assert results(client_request, y2025, lang="ja").text(heading) == "キークエスチョン別の成熟度"


def progress(client_request, company, **query):
    page = client_request.get("progress.company", company_id=company.id, **query)
    assert page.status_code == 200
    return page


def set_summaries(page) -> list[str]:
    return page.texts("details.qual-set > summary strong")


def first_target_row(page) -> list[str]:
    """The first item's row of the newest set of targets: item, set year's level, target."""
    return page.table("details.qual-set table")[1][:3]


def test_progress_follows_resubmission_reopening_and_a_new_year(client_request, owner_and_company):
    owner, company = owner_and_company
    y2024 = submitted_year(company, owner, 2024, 2, target=4)
    client_request.login(owner)
    page = progress(client_request, company)
    assert set_summaries(page) == ["2024年度に設定した目標"]
    assert first_target_row(page)[1:] == ["2", "4"]
    progress(client_request, company)  # warm

    resubmit(y2024, owner, 3, target=5)
    assert first_target_row(progress(client_request, company))[1:] == ["3", "5"]

    reopen_year(y2024, owner)
    page = progress(client_request, company)
    assert "再編集中" in page.text(".reopened-note")

    submit_year(y2024, owner)
    submitted_year(company, owner, 2023, 1)  # a new (earlier) year: a new set of targets
    page = progress(client_request, company)
    assert page.select(".reopened-note") == []
    assert set_summaries(page) == ["2024年度に設定した目標", "2023年度に設定した目標"]


def test_progress_follows_the_language(client_request, owner_and_company):
    owner, company = owner_and_company
    submitted_year(company, owner, 2024, 2)
    client_request.login(owner)
    assert set_summaries(progress(client_request, company)) == ["2024年度に設定した目標"]
    english = set_summaries(progress(client_request, company, lang="en"))
    assert english != ["2024年度に設定した目標"] and "2024" in english[0]
    assert set_summaries(progress(client_request, company, lang="ja")) == ["2024年度に設定した目標"]


def kpi_card(page) -> tuple[str, str]:
    """(status badge, latest actual) of the one 定量指標 card."""
    card = page.select_one(".progress-card")
    facts = dict(
        zip(
            [dt.get_text(strip=True) for dt in card.select("dt")],
            [" ".join(dd.get_text().split()) for dd in card.select("dd")],
            strict=True,
        )
    )
    return card.select_one("h3 .badge").get_text(strip=True), facts["最新の実績"]


def test_progress_kpis_follow_new_actuals_and_a_revised_target(client_request, owner_and_company):
    owner, company = owner_and_company
    fy = this_fiscal_year()
    indicator = make_indicator(company, owner)  # baseline 5 in fy-3, target 20 in fy
    client_request.login(owner)
    assert kpi_card(progress(client_request, company))[1] == "—"
    kpi_services.save_values(indicator, {fy - 2: Decimal(10)}, owner)
    badge, latest = kpi_card(progress(client_request, company))
    assert latest == f"10人（{fy - 2}年度）"
    kpi_services.save_values(indicator, {fy - 1: Decimal(6)}, owner)  # behind the plan line
    behind, latest = kpi_card(progress(client_request, company))
    assert latest == f"6人（{fy - 1}年度）" and behind == "遅れ"
    kpi_services.revise_target(indicator, Decimal(6), fy, "見直し", owner)  # reached already
    assert kpi_card(progress(client_request, company))[0] == "達成"


def history(client_request, company, **query):
    page = client_request.get("progress.history", company_id=company.id, **query)
    assert page.status_code == 200
    return page


def history_years(page) -> list[list[str]]:
    """The yearly results table, newest first: year, current mean, target mean, change..."""
    return page.table("table.history-years")[1:]


def test_history_follows_resubmission_reopening_and_a_new_year(client_request, owner_and_company):
    owner, company = owner_and_company
    client_request.login(owner)
    assert "提出済みの自己診断がありません" in history(client_request, company).text("main")
    y2024 = submitted_year(company, owner, 2024, 2, target=4)  # the first year
    assert [row[:3] for row in history_years(history(client_request, company))] == [
        ["2024年度", "2.00", "4.00"]
    ]
    history(client_request, company)  # warm

    resubmit(y2024, owner, 3)
    page = history(client_request, company)
    assert [row[:3] for row in history_years(page)] == [["2024年度", "3.00", "5.00"]]
    assert page.table(".history-targets table")[1][1] == "3 → 5"

    reopen_year(y2024, owner)
    page = history(client_request, company)
    assert "再編集中" in page.text(".reopened-note")
    assert history_years(page)[0][-1] == "再編集中 第2版を表示"

    submit_year(y2024, owner)
    submitted_year(company, owner, 2025, 4)  # a new year: compared with 2024
    page = history(client_request, company)
    assert page.select(".reopened-note") == []
    assert [row[:4] for row in history_years(page)] == [
        ["2025年度", "4.00", "5.00", "+1.00"],
        ["2024年度", "3.00", "5.00", "—"],
    ]


def test_history_follows_the_language(client_request, owner_and_company):
    owner, company = owner_and_company
    submitted_year(company, owner, 2024, 2)
    client_request.login(owner)
    assert history_years(history(client_request, company))[0][0] == "2024年度"
    english = history_years(history(client_request, company, lang="en"))[0]
    assert english[0] != "2024年度" and "2024" in english[0] and english[-1] != "提出済み"
    assert history_years(history(client_request, company, lang="ja"))[0][0] == "2024年度"


@contextmanager
def counted():
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(" ".join(statement.split()))

    event.listen(_db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(_db.engine, "before_cursor_execute", count)


def reads_of_the_years(statements) -> list[str]:
    """Statements that load the years' stored cards or answers (what the drawn parts are
    built from), beside the page's own assessment row and its list of revisions (live)."""
    return [
        s
        for s in statements
        if s.startswith("SELECT assessment_revisions.assessment_id")
        or ("assessments.scores" in s and "WHERE assessments.company_id" in s)
        or s.startswith("SELECT answers.assessment_id")
    ]


def test_warm_pages_do_not_read_the_years_again(client_request, owner_and_company):
    owner, company = owner_and_company
    submitted_year(company, owner, 2024, 2)
    y2025 = submitted_year(company, owner, 2025, 3)
    client_request.login(owner)
    for get in (
        lambda: results(client_request, y2025),
        lambda: progress(client_request, company),
        lambda: history(client_request, company),
    ):
        with counted() as cold:
            get()
        assert reads_of_the_years(cold)  # drawn: read once
        with counted() as warm:
            get()
        assert reads_of_the_years(warm) == []
        assert len(warm) < len(cold)


def test_results_parts_stay_within_their_byte_bound(
    app, client_request, owner_and_company, monkeypatch
):
    """RESULTS_CACHE_BYTES bounds the store by what its entries hold: with room for one
    version's parts, showing another pushes the first out (drawn again: the years read), and
    each page stays the page drawn from its own version."""
    owner, company = owner_and_company
    y2024 = submitted_year(company, owner, 2024, 2)
    y2025 = submitted_year(company, owner, 2025, 3)
    client_request.login(owner)
    results(client_request, y2025)
    store = app.extensions["results_parts"]
    store.clear()  # (the app and its stores outlive a test)
    results(client_request, y2025)
    one = store.bytes
    monkeypatch.setitem(app.config, "RESULTS_CACHE_BYTES", one + one // 2)
    assert overall_tile(results(client_request, y2024)) == ("2.00", "")
    assert len(store) == 1 and store.bytes <= app.config["RESULTS_CACHE_BYTES"]
    with counted() as again:
        assert overall_tile(results(client_request, y2025)) == ("3.00", "前年度比 +1.00")
    assert reads_of_the_years(again)  # pushed out by 2024's parts: drawn again
    with counted() as warm:
        results(client_request, y2025)
    assert reads_of_the_years(warm) == []


def test_progress_parts_larger_than_the_byte_bound_are_drawn_every_time(
    app, client_request, owner_and_company, monkeypatch
):
    owner, company = owner_and_company
    y2024 = submitted_year(company, owner, 2024, 2, target=4)
    client_request.login(owner)
    monkeypatch.setitem(app.config, "PROGRESS_CACHE_BYTES", 1000)  # < one company's charts
    for _ in range(2):
        with counted() as statements:
            assert first_target_row(progress(client_request, company))[1:] == ["2", "4"]
        assert reads_of_the_years(statements)
    assert len(app.extensions["progress_parts"]) == 0
    resubmit(y2024, owner, 3, target=5)
    assert first_target_row(progress(client_request, company))[1:] == ["3", "5"]
