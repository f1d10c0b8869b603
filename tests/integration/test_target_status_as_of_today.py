"""Target status as of the company's current fiscal year (issue 10, rule P5/P6): an ended year
without its actual is 実績未入力, counted apart from 順調/遅れ; the same for qualitative targets
when a year was not assessed. A new indicator's baseline defaults to the last ended year."""

from decimal import Decimal

from bs4 import BeautifulSoup

from app.kpis import progress
from app.progress.qualitative import qualitative_sets
from tests.integration.kpi_helpers import (
    make_indicator,
    post_values,
    submitted_assessment,
    summary_counts,
    this_fiscal_year,
)
from tests.pages import Page


def _soup(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def test_an_ended_year_without_its_actual_is_missing(client, db, owner_company):
    owner, company = owner_company
    fy = this_fiscal_year()
    # 5 -> 20 people from fy-3 to fy; fy-2 was on the line (10 of 20), fy-1 never entered.
    stale = make_indicator(company, owner)
    assert post_values(client, stale.id, {fy - 2: "10"}).status_code == 302
    # The same numbers with fy-1 entered: judged on it, as before.
    kept = make_indicator(company, owner, name="DX人材（IT）の数")
    assert post_values(client, kept.id, {fy - 2: "10", fy - 1: "15"}).status_code == 302

    rows = {p.indicator.name: p for p in progress.company_indicator_progress(company.id, fy)}
    assert rows[stale.name].status.code == "missing"
    assert rows[stale.name].status.missing_year == fy - 1
    assert rows[kept.name].status.code == "on_track"
    assert progress.count_statuses(p.status for p in rows.values()) == {
        "achieved": 0, "on_track": 1, "behind": 0, "missing": 1, "no_data": 0,
    }  # fmt: skip

    index = _soup(client, f"/companies/{company.id}/kpis")
    badges = {tr.th.a.text: tr.select_one(".badge.status").text for tr in index.select("tbody tr")}
    assert badges == {stale.name: "実績未入力", kept.name: "順調"}

    page = Page(client.get(f"/companies/{company.id}/progress"))
    quantitative = summary_counts(page, "定量指標（2件）")
    assert (quantitative["missing"], quantitative["on_track"]) == (1, 1)
    card = next(c for c in page.select("li.progress-card") if c.h3.a.text == stale.name)
    assert card.find("dt", string="最新の実績").find_next("dd").text == f"10人（{fy - 2}年度）"
    assert card.find("dt", string="進捗").find_next("dd").text == (
        f"{fy - 1}年度の実績が未入力のため判定できません"
    )

    detail = _soup(client, f"/kpis/{stale.id}")
    state = detail.find("dt", string=f"状態（{fy}年度時点）").find_next("dd").get_text(" ")
    assert "実績未入力" in state and f"{fy - 1}年度は終了していますが" in state

    # Entering the missing year brings the ordinary status back.
    assert post_values(client, stale.id, {fy - 1: "15"}).status_code == 302
    again = progress.company_indicator_progress(company.id, fy)
    assert {p.indicator.name: p.status.code for p in again}[stale.name] == "on_track"


def test_a_year_not_assessed_leaves_qualitative_targets_missing(client, db, owner_company):
    owner, company = owner_company
    fy = this_fiscal_year()
    submitted_assessment(company, owner, fy - 2, lambda i: (1, 4))  # nothing in fy-1

    sets = qualitative_sets(company.id, fy)
    (only,) = sets
    assert only.counts == {"achieved": 0, "on_track": 0, "behind": 0, "missing": 35, "no_data": 0}
    assert all(t.status.missing_year == fy - 1 for t in only.targets)
    page = Page(client.get(f"/companies/{company.id}/progress"))
    heading = f"定性指標の目標（{fy - 2}年度に設定、{fy + 1}年度目標"
    assert summary_counts(page, heading)["missing"] == 35
    labels = {li.select_one(".label").text for li in page.select(".status-counts li")}
    assert {"順調", "遅れ", "実績未入力"} <= labels


def test_the_year_just_set_is_not_yet_missing(client, db, owner_company):
    owner, company = owner_company
    fy = this_fiscal_year()
    submitted_assessment(company, owner, fy - 1, lambda i: (1, 4))
    (only,) = qualitative_sets(company.id, fy)
    assert only.counts["no_data"] == 35  # fy is still running: nothing is due yet


def test_a_new_indicator_starts_from_the_last_ended_year(client, db, owner_company):
    owner, company = owner_company
    fy = this_fiscal_year()
    form = _soup(client, f"/companies/{company.id}/kpis/new")
    assert form.find("input", {"name": "baseline_year"})["value"] == str(fy - 1)

    indicator = make_indicator(
        company, owner, baseline_year=fy - 1, target_year=fy + 2, baseline_value=Decimal(5)
    )
    detail = _soup(client, f"/kpis/{indicator.id}")
    # The running year takes its actual at once.
    assert detail.find("input", {"name": f"value-{fy}"}) is not None
    assert post_values(client, indicator.id, {fy: "8"}).status_code == 302
