"""One rounding rule everywhere (issue 10, rule R9): tie values (x.125, x.625, 12.5%, 31.25%)
fed through every page and export that shows them must come out half away from zero."""

import csv
import io
from decimal import Decimal

from bs4 import BeautifulSoup

from tests.integration.kpi_helpers import make_indicator, post_values, this_fiscal_year
from tests.integration.yoy_helpers import IT_IDS, ITEM_IDS, save_answers, start_year, submit_year


def _soup(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def _row(soup, heading, label):
    section = next(s for s in soup.select("section.panel") if s.h2 and s.h2.text == heading)
    for tr in section.find("table").tbody.find_all("tr"):
        cells = [c.get_text(" ", strip=True) for c in tr.find_all(["th", "td"])]
        if cells[0] == label:
            return cells
    raise AssertionError(f"no row {label!r} under {heading!r}")


def it_levels(current: list[int], target: list[int]) -> dict:
    """Management items at (2, 3); the 16 IT items at the given levels."""
    levels = {i: (2, 3) for i in ITEM_IDS}
    levels.update({i: (c, t) for i, c, t in zip(IT_IDS, current, target, strict=True)})
    return levels


def test_company_pages_round_ties_away_from_zero(client, db, owner_company):
    owner, company = owner_company
    fy = this_fiscal_year()
    assert len(IT_IDS) == 16
    # Last year: IT current 32/16 = 2.00, target 34/16 = 2.125, gap 0.125.
    last = start_year(company, owner, fy - 1)
    save_answers(last, owner, it_levels([2] * 16, [2] * 14 + [3] * 2))
    submit_year(last, owner)
    # This year: IT current 34/16 = 2.125 (+0.125), target 42/16 = 2.625.
    this = start_year(company, owner, fy)
    save_answers(this, owner, it_levels([2] * 14 + [3] * 2, [3] * 10 + [2] * 6))
    submit_year(this, owner)

    it_name = "ITシステム構築の枠組み"
    results = _soup(client, f"/assessments/{this.id}/results")
    # 区分, 現在値, 目標値, ギャップ, 中央値, 前年度の現在値, 前年度比
    assert _row(results, "全体・枠組み別", it_name)[1:7] == [
        "2.13", "2.63", "0.50", "2.00 / 3.00", "2.00", "+0.13",
    ]  # fmt: skip
    earlier = _soup(client, f"/assessments/{last.id}/results")
    assert _row(earlier, "全体・枠組み別", it_name)[1:4] == ["2.00", "2.13", "0.13"]

    progress = _soup(client, f"/companies/{company.id}/progress")
    history = "定性指標の年度推移"
    # 年度, 全35項目, DX推進の枠組み, ITシステム構築の枠組み, 変化
    assert _row(progress, history, f"{fy}年度")[3] == "2.13 / 2.63"
    assert _row(progress, history, f"{fy - 1}年度")[3] == "2.00 / 2.13"
    it_chart = next(
        f for f in progress.select("figure.line-chart") if it_name in f.svg["aria-label"]
    )
    titles = {t.text for t in it_chart.select("circle title")}
    assert {
        f"{fy}年度: 現在値 2.13",
        f"{fy}年度: 目標値 2.63",
        f"{fy - 1}年度: 現在値 2.00",
        f"{fy - 1}年度: 目標値 2.13",
    } <= titles

    # KPI progress 1 of 8 = 12.5% and a planned value of 0.625 on the straight line.
    count = make_indicator(
        company, owner, name="件数", value_type="count", unit="件",
        baseline_year=fy - 1, baseline_value=Decimal(0), target_year=fy + 2,
        target_value=Decimal(8),
    )  # fmt: skip
    number = make_indicator(
        company, owner, name="指数", value_type="number", unit="pt",
        baseline_year=fy - 1, baseline_value=Decimal(0), target_year=fy + 1,
        target_value=Decimal("1.25"),
    )  # fmt: skip
    assert post_values(client, count.id, {fy: "1"}).status_code == 302
    detail = _soup(client, f"/kpis/{count.id}")
    status_text = detail.find("dt", string=f"状態（{fy}年度時点）").find_next("dd").get_text()
    assert "進捗 13%（直線上の計画 33%）" in status_text
    page = _soup(client, f"/companies/{company.id}/progress")
    card = next(c for c in page.select("li.progress-card") if c.h3.a.text == "件数")
    assert card.find("dt", string="進捗").find_next("dd").text == "13%（計画 33%）"
    plan_titles = {t.text for t in _soup(client, f"/kpis/{number.id}").select(".line-plan title")}
    assert f"{fy}年度: 計画 0.63pt" in plan_titles


def test_bureau_page_and_csv_round_ties_alike(app, db, make_user, make_company, login):
    owner = make_user(email="owner@example.jp")
    # 16 companies: 5 leading (all at 3), 8 at 2, 3 at 1: mean 34/16 = 2.125, 5/16 = 31.25%.
    for n, level in enumerate([3] * 5 + [2] * 8 + [1] * 3):
        company = make_company(owner, name=f"集計企業{n:02d}", prefecture="13")
        assessment = start_year(company, owner, 2025)
        save_answers(assessment, owner, {i: (level, 5) for i in ITEM_IDS})
        submit_year(assessment, owner)
    result = app.test_cli_runner().invoke(args=["reports", "release", "--year", "2025"])
    assert result.exit_code == 0, result.output  # bureau pages show released figures only
    bureau = make_user(role="bureau", bureau_code="kanto")
    client = app.test_client()
    login(bureau.email, c=client)

    page = _soup(client, "/bureau/reports?year=2025")
    tiles = {
        t.select_one(".label").text: t.select_one(".value").text for t in page.select(".score-tile")
    }
    assert tiles["現在値の平均"] == "2.13" and tiles["先行企業の割合"] == "31.3%"
    overall = _row(page, "全体・枠組み別", "全体（35項目）")
    assert overall[1:] == ["16", "2.13", "2.00", "5.00", "5.00", "31.3", ""]
    item = _row(page, "項目別", _first_item_label(page))
    assert item[2:4] == ["2.13", "5.00"]

    response = client.get("/bureau/reports.csv?year=2025")
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    csv_overall = next(r for r in rows if r and r[0] == "全体（35項目）")
    assert csv_overall[1:] == ["16", "2.13", "2.00", "5.00", "5.00", "31.3", ""]
    csv_item = next(r for r in rows if r and r[0] == item[0])
    assert csv_item[2:4] == ["2.13", "5.00"]


def _first_item_label(soup) -> str:
    section = next(s for s in soup.select("section.panel") if s.h2 and s.h2.text == "項目別")
    return section.find("table").tbody.tr.th.get_text(" ", strip=True)
