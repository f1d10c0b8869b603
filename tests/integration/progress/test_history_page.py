"""The company history page: every submitted year with its overall, framework and group means,
their change against the compared year, a line chart with a table per figure, and the levels
set in each year. Expected figures are computed here from the levels the test submitted."""

from decimal import ROUND_HALF_UP, Decimal

from app.assessments import services as assessment_services
from tests.integration.kpi_helpers import INDEX, submitted_assessment, this_fiscal_year

HISTORY = "progress.history"


def last_year(i):
    return (2, 5) if i == "1" else (1, 4)


def this_year(i):
    return {"1": (5, 5), "2": (2, 5)}.get(i, (1, 4))


def mean_text(levels, item_ids, part) -> str:
    values = [levels(i)[part] for i in item_ids]
    mean = Decimal(sum(values)) / Decimal(len(values))
    return str(mean.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def change_text(item_ids) -> str:
    before = Decimal(sum(last_year(i)[0] for i in item_ids)) / len(item_ids)
    after = Decimal(sum(this_year(i)[0] for i in item_ids)) / len(item_ids)
    change = (after - before).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return f"{change:+}"


def figures_table(page, key):
    box = page.select_one(f"#history-{key}")
    assert box is not None, key
    assert box.select_one("svg[role=img]") is not None  # the chart
    return page.table(f"#history-{key} table")


def test_every_year_with_means_changes_and_a_chart_per_figure(client_request, db, owner_company):
    owner, company = owner_company
    fy = this_fiscal_year()
    submitted_assessment(company, owner, fy - 1, last_year)
    submitted_assessment(company, owner, fy, this_year)
    all_ids = [i.id for i in INDEX.items]

    page = client_request.get(HISTORY, company_id=company.id)
    assert page.h1 == "自己診断の履歴"
    years = page.table("table.history-years")
    assert [row[0] for row in years[1:]] == [f"{fy}年度", f"{fy - 1}年度"]
    assert years[1][1:4] == [
        mean_text(this_year, all_ids, 0),
        mean_text(this_year, all_ids, 1),
        change_text(all_ids),
    ]
    assert years[1][4] == "前年度比"
    assert years[2][3] == "—"  # the first year has nothing to compare with

    # One chart (with its table) for the whole, each framework and each key question group.
    keys = ["all"] + [f.id for f in INDEX.frameworks] + [g.id for g in INDEX.groups]
    assert [d["id"] for d in page.select(".history-chart")] == [f"history-{k}" for k in keys]
    for framework in INDEX.frameworks:
        ids = list(framework.item_ids)
        assert figures_table(page, framework.id)[1] == [
            f"{fy}年度",
            mean_text(this_year, ids, 0),
            mean_text(this_year, ids, 1),
            change_text(ids),
        ]
    for group in INDEX.groups:
        ids = list(group.item_ids)
        rows = figures_table(page, group.id)
        assert rows[1][3] == change_text(ids), group.id
        assert rows[2] == [
            f"{fy - 1}年度",
            mean_text(last_year, ids, 0),
            mean_text(last_year, ids, 1),
            "—",
        ]

    # The levels set in each year, item by item.
    targets = page.table(".history-targets table")
    assert targets[0][1:] == [f"{fy - 1}年度 現在 → 目標", f"{fy}年度 現在 → 目標"]
    by_item = {row[0].split()[0]: row[1:] for row in targets[1:]}
    assert by_item["1"] == ["2 → 5", "5 → 5"]
    assert by_item["2"] == ["1 → 4", "2 → 5"]
    assert len(by_item) == 35


def test_a_gap_year_is_compared_with_the_year_named(client_request, db, owner_company):
    owner, company = owner_company
    fy = this_fiscal_year()
    submitted_assessment(company, owner, fy - 2, last_year)
    submitted_assessment(company, owner, fy, this_year)
    years = client_request.get(HISTORY, company_id=company.id).table("table.history-years")
    assert years[1][4] == f"{fy - 2}年度比"
    assert years[1][3] == change_text([i.id for i in INDEX.items])


def test_a_year_edited_again_is_shown_by_its_last_submitted_version(
    client_request, db, owner_company
):
    owner, company = owner_company
    fy = this_fiscal_year()
    submitted_assessment(company, owner, fy - 1, last_year)
    again = submitted_assessment(company, owner, fy, this_year)
    assert assessment_services.reopen(again, again.version, owner)
    page = client_request.get(HISTORY, company_id=company.id)
    years = page.table("table.history-years")
    assert [row[0] for row in years[1:]] == [f"{fy}年度", f"{fy - 1}年度"]
    assert years[1][5] == "再編集中 第1版を表示"
    assert years[1][3] == change_text([i.id for i in INDEX.items])


def test_no_submitted_year_says_so(client_request, db, owner_company):
    owner, company = owner_company
    page = client_request.get(HISTORY, company_id=company.id)
    assert "提出済みの自己診断がありません" in page.text("main")
    assert page.select(".history-chart") == []


def test_linked_from_dashboard_results_and_progress(client_request, db, owner_company):
    owner, company = owner_company
    done = submitted_assessment(company, owner, this_fiscal_year(), this_year)
    url = client_request.url(HISTORY, company_id=company.id)
    for endpoint, values in (
        ("companies.dashboard", {"company_id": company.id}),
        ("progress.company", {"company_id": company.id}),
        ("assessments.results", {"assessment_id": done.id}),
    ):
        page = client_request.get(endpoint, **values)
        assert [a["href"] for a in page.select("main a") if a.get_text() == "自己診断の履歴"] == [
            url
        ], endpoint


def test_another_companys_history_is_not_found(
    client_request, db, owner_company, make_user, make_company
):
    other_owner = make_user(email="other@example.jp")
    other = make_company(other_owner, name="他社株式会社")
    submitted_assessment(other, other_owner, this_fiscal_year(), this_year)
    client_request.get(HISTORY, company_id=other.id, _expected_status=404)
