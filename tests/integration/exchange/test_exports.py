"""The Excel export's other sheets, and the company's history as CSV and JSON."""

import csv
import io
import json
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from app.advisors import services as grant_services
from app.exchange import workbook as wbk
from app.kpis import services as kpi_services
from app.models import Answer, Assessment
from app.web.numbers import SCORE_PLACES
from scoring import round_half_away
from tests.integration.exchange.test_excel_import import CORPORATE_NUMBER
from tests.integration.kpi_helpers import make_indicator, this_fiscal_year
from tests.integration.member_helpers import INDEX, draft_assessment, submitted_assessment

HOSTILE = '=HYPERLINK("http://evil.example","x")'


@pytest.fixture()
def history_world(make_user, make_company, client_request, db):
    owner = make_user(email="owner@example.jp")
    company = make_company(owner, corporate_number=CORPORATE_NUMBER, name="履歴株式会社")
    fy = this_fiscal_year()
    done = submitted_assessment(company, owner, year=fy - 1, level=2)
    draft = draft_assessment(company, owner, year=fy)
    db.session.add(
        Answer(
            assessment_id=draft.id,
            item_id="1",
            current_level=3,
            target_level=5,
            evidence=HOSTILE,
            action="-削減\r\n次年度",
        )
    )
    indicator = make_indicator(company, owner)
    db.session.commit()
    kpi_services.save_values(indicator, {fy - 1: Decimal("7"), fy: Decimal("12.5")}, owner)
    client_request.login(owner)
    return owner, company, done, draft, indicator


def test_the_workbook_has_kpis_with_actuals_and_profile_with_scores(history_world, client_request):
    _owner, company, done, _draft, indicator = history_world
    response = client_request.client.get(f"/assessments/{done.id}/export.xlsx")
    assert response.status_code == 200
    assert "filename*=UTF-8''" in response.headers["Content-Disposition"]
    wb = load_workbook(io.BytesIO(response.get_data()))
    kpis = wb[wbk.SHEET_KPIS]
    header = [c.value for c in kpis[1]]
    row = {h: c.value for h, c in zip(header, kpis[2], strict=True)}
    fy = this_fiscal_year()
    assert row["指標名"] == indicator.name and row["定義"] == indicator.definition
    assert (row["基準年度"], row["目標年度"]) == (indicator.baseline_year, indicator.target_year)
    assert (row["基準値"], row["目標値"]) == (
        int(indicator.baseline_value),
        int(indicator.target_value),
    )
    assert Decimal(str(row[f"{fy - 1}年度実績"])) == Decimal("7")
    assert Decimal(str(row[f"{fy}年度実績"])) == Decimal("12.5")

    profile = {r[0].value: r[1].value for r in wb[wbk.SHEET_PROFILE].iter_rows() if r[0].value}
    assert profile["会社名"] == company.name
    assert profile[wbk.KEY_CORPORATE_NUMBER] == CORPORATE_NUMBER
    assert profile[wbk.KEY_FISCAL_YEAR] == fy - 1
    assert profile[wbk.KEY_INDEX_VERSION] == "2019-07"
    rows = list(wb[wbk.SHEET_PROFILE].iter_rows(values_only=True))
    overall = next(r for r in rows if r[0] == "全体")
    card = done.scores["overall"]
    assert Decimal(str(overall[2])) == round_half_away(card["current_mean"], SCORE_PLACES)
    assert Decimal(str(overall[3])) == round_half_away(card["target_mean"], SCORE_PLACES)


def test_a_draft_workbook_says_there_are_no_scores(history_world, client_request):
    _owner, _company, _done, draft, _indicator = history_world
    wb = load_workbook(
        io.BytesIO(client_request.client.get(f"/assessments/{draft.id}/export.xlsx").get_data())
    )
    values = [r[0] for r in wb[wbk.SHEET_PROFILE].iter_rows(values_only=True)]
    assert "未提出のため、スコアはありません。" in values
    items = wb[wbk.SHEET_ITEMS]
    assert items.cell(row=2, column=8).value == HOSTILE
    assert items.cell(row=2, column=8).data_type == "s"


def test_history_csv_has_bom_every_years_answers_kpis_and_defused_text(
    history_world, client_request, db
):
    _owner, company, done, draft, indicator = history_world
    response = client_request.client.get(f"/companies/{company.id}/history.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    raw = response.get_data()
    assert raw.startswith("\ufeff".encode())
    text = raw.decode("utf-8").removeprefix("\ufeff")
    assert "\r\n" in text
    rows = list(csv.reader(io.StringIO(text)))
    answer_rows = [r for r in rows if len(r) == 10 and r[0].isdigit()]
    fy = this_fiscal_year()
    by_year = {}
    for r in answer_rows:
        by_year.setdefault(int(r[0]), {})[r[4]] = r
    assert set(by_year) == {fy - 1, fy}
    assert all(len(v) == len(INDEX.item_ids) for v in by_year.values())
    first = by_year[fy]["1"]
    assert (first[6], first[7]) == ("3", "5")
    assert first[8] == "'" + HOSTILE  # formula-neutralised
    assert first[9] == "'-削減\r\n次年度"
    stored = {
        a.item_id: a
        for a in db.session.scalars(db.select(Answer).where(Answer.assessment_id == done.id))
    }
    assert all(by_year[fy - 1][i][6] == str(stored[i].current_level) for i in INDEX.item_ids)
    kpi_rows = [r for r in rows if r and r[0] == indicator.name]
    assert [(r[10], r[11]) for r in kpi_rows] == [(str(fy - 1), "7"), (str(fy), "12.5")]


def test_history_json_holds_exact_values(history_world, client_request, db):
    _owner, company, done, draft, indicator = history_world
    response = client_request.client.get(f"/companies/{company.id}/history.json")
    assert response.status_code == 200
    data = json.loads(response.get_data(as_text=True))
    years = {y["fiscal_year"]: y for y in data["assessments"]}
    fy = this_fiscal_year()
    assert years[fy]["status"] == "draft" and years[fy]["scores"] is None
    assert years[fy - 1]["scores"]["card"] == db.session.get(Assessment, done.id).scores
    first = next(a for a in years[fy]["answers"] if a["item_id"] == "1")
    assert first == {
        "item_id": "1",
        "title": INDEX.item("1").title,
        "current": 3,
        "target": 5,
        "evidence": HOSTILE,
        "action": "-削減\r\n次年度",
    }
    (kpi,) = data["indicators"]
    assert kpi["actuals"] == [
        {"fiscal_year": fy - 1, "value": "7"},
        {"fiscal_year": fy, "value": "12.5"},
    ]
    assert data["company"]["corporate_number"] == CORPORATE_NUMBER


def test_another_companys_ids_are_404_and_nothing_changes(
    history_world, client_request, db, make_user, make_company
):
    _owner, _company, _done, _draft, _indicator = history_world
    outsider = make_user(email="b@example.jp")
    b = make_company(outsider, name="他社株式会社")
    b_draft = draft_assessment(b, outsider, year=this_fiscal_year())
    for url in (
        f"/assessments/{b_draft.id}/export.xlsx",
        f"/companies/{b.id}/history.csv",
        f"/companies/{b.id}/history.json",
        f"/companies/{b.id}/exchange",
    ):
        assert client_request.client.get(url).status_code == 404, url
    hub = client_request.get("exchange.index", company_id=_company.id)
    response = client_request.client.post(
        f"/companies/{b.id}/import",
        data={
            "csrf_token": hub.csrf_token,
            "fiscal_year": str(this_fiscal_year()),
            "workbook": (io.BytesIO(b"PK"), "a.xlsx"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 404
    assert (
        db.session.scalar(
            db.select(db.func.count()).select_from(Answer).where(Answer.assessment_id == b_draft.id)
        )
        == 0
    )


def test_the_dashboard_links_the_page_for_members_only(
    history_world, client_request, make_user, db
):
    _owner, company, *_ = history_world
    link = client_request.url("exchange.index", company_id=company.id)
    page = client_request.get("companies.dashboard", company_id=company.id)
    assert page.find("a", href=link)
    advisor = make_user(role="advisor", email="adv@example.jp", organisation="支援センター")
    grant_services.grant_access(company, advisor.email, "comment", _owner)
    db.session.commit()
    other = client_request.new_session().login(advisor)
    page = other.get("companies.dashboard", company_id=company.id)
    assert page.h1 == company.name and not page.find("a", href=link)
    other.get("exchange.index", company_id=company.id, _expected_status=404)
