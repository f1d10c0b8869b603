"""Bureau reports: jurisdiction, small-cell suppression, hand-computed figures, CSV, access."""

import csv
import io
from urllib.parse import unquote

import pytest
from sqlalchemy import event

from app.assessments import services
from app.models import AuditEvent
from app.reports.aggregates import build_report, jurisdiction_of
from app.reports.csv_export import report_csv
from app.reports.stats import SUPPRESSED_TEXT
from questionnaires import DEFAULT_VERSION, load_index

INDEX = load_index(DEFAULT_VERSION)
MGMT = set(next(f for f in INDEX.frameworks if f.id == "mgmt").item_ids)
YEAR = 2025
KANTO = ("13", "22")  # 東京都, 静岡県
OSAKA = "27"


@pytest.fixture()
def owner(make_user):
    return make_user(email="owner@example.jp")


@pytest.fixture()
def submitted(make_company, owner):
    """make(prefecture, current, target, ...): a company with a submitted assessment.

    ``current``/``target`` are one level for every item, or a (management, IT) pair.
    """
    counter = {"n": 0}

    def make(prefecture, current, target, year=YEAR, **company):
        counter["n"] += 1
        company_row = make_company(
            owner, name=f"秘匿企業{counter['n']:03d}", prefecture=prefecture, **company
        )
        assessment = services.start_assessment(
            company_row, year, owner, prefill=False, index_version=DEFAULT_VERSION
        )
        services.confirm_profile(assessment)

        def level(value, item_id):
            if isinstance(value, tuple):
                return value[0] if item_id in MGMT else value[1]
            return value

        for step in INDEX.steps:
            values = {
                item_id: {
                    "current": level(current, item_id),
                    "target": level(target, item_id),
                    "evidence": f"根拠{counter['n']}",
                    "action": "",
                }
                for item_id in step.item_ids
            }
            assert services.save_step(assessment, step, values, 0, owner) is None
        assert services.submit(assessment, assessment.version, owner)
        return company_row

    return make


@pytest.fixture()
def bureau_client(app, make_user, login):
    def make(code="kanto"):
        user = make_user(role="bureau", bureau_code=code)
        client = app.test_client()
        login(user.email, c=client)
        return client

    return make


def _page(client, url="/bureau/reports"):
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def test_bureau_sees_only_companies_in_its_jurisdiction(submitted, bureau_client):
    for level in (1, 2, 3, 3, 4):
        submitted("13", level, 5)
    submitted("22", 2, 4)
    for _ in range(5):
        submitted(OSAKA, 5, 5)  # would pull every mean up if it were counted

    kanto = build_report(jurisdiction_of("kanto"), None)
    assert kanto.n_companies == 6
    assert kanto.summary[0].current.mean == pytest.approx(15 / 6)
    html = _page(bureau_client("kanto"))
    assert "関東経済産業局" in html and "大阪府" not in html
    assert "東京都" in html and "静岡県" in html

    kinki = build_report(jurisdiction_of("kinki"), None)
    assert kinki.n_companies == 5 and kinki.summary[0].current.mean == 5.0

    national = build_report(jurisdiction_of("national"), None)
    assert national.n_companies == 11
    assert national.summary[0].current.mean == pytest.approx(40 / 11)
    assert "大阪府" in _page(bureau_client("national"))


def test_five_companies_shown_with_hand_computed_figures(submitted, bureau_client):
    # current per company (management, IT) and target; 19 management and 16 IT items
    submitted("13", (1, 1), 3, jsic="E", employees=10, capital_yen=5_000_000)
    submitted("13", (2, 2), 3, jsic="E", employees=10, capital_yen=5_000_000)
    submitted("13", (3, 3), 4, jsic="E", employees=10, capital_yen=5_000_000)
    submitted("22", (4, 2), 4, jsic="E", employees=10, capital_yen=5_000_000)
    submitted("22", (4, 4), 5, jsic="E", employees=10, capital_yen=5_000_000)

    report = build_report(jurisdiction_of("kanto"), None)
    overall, mgmt, it = report.summary
    company_4 = (19 * 4 + 16 * 2) / 35  # 3.0857...: a leading company
    currents = sorted([1, 2, 3, company_4, 4])
    assert overall.n == 5
    assert overall.current.mean == pytest.approx(sum(currents) / 5)
    assert overall.current.median == pytest.approx(3.0)
    assert overall.target.mean == pytest.approx(19 / 5)
    assert overall.target.median == 4.0
    assert overall.leading_share == pytest.approx(3 / 5)
    assert mgmt.current.mean == pytest.approx(14 / 5) and mgmt.current.median == 3.0
    assert it.current.mean == pytest.approx(12 / 5) and it.current.median == 2.0
    item_1 = next(i for i in report.items if i.item_id == "1")
    item_8 = next(i for i in report.items if i.item_id == "8")
    assert (item_1.n, item_1.current_mean, item_1.target_mean) == (5, 14 / 5, 19 / 5)
    assert item_8.current_mean == pytest.approx(12 / 5)
    assert len(report.items) == 35

    html = _page(bureau_client())
    assert f"{sum(currents) / 5:.2f}" in html
    assert "3.80" in html and "60.0%" in html
    # 東京 3 + 静岡 2: both small, hidden together (5 companies, nothing to subtract)
    tokyo = html.split('<th scope="row">東京都</th>')[1].split("</tr>")[0]
    assert SUPPRESSED_TEXT in tokyo
    # every company is 製造業 and 小規模企業者: those rows are shown
    manufacturing = html.split('<th scope="row">製造業</th>')[1].split("</tr>")[0]
    assert SUPPRESSED_TEXT not in manufacturing and ">5<" in manufacturing


def test_fewer_than_five_companies_hides_the_whole_report(submitted, bureau_client):
    for level in (1, 2, 3, 4):
        submitted("13", level, 5)
    submitted(OSAKA, 1, 1)
    report = build_report(jurisdiction_of("kanto"), None)
    assert report.suppressed and report.summary == () and report.items == ()
    html = _page(bureau_client())
    assert SUPPRESSED_TEXT in html
    assert "2.50" not in html and "5社未満のため" in html
    assert "<table" not in html


def test_a_lone_small_row_is_hidden_with_the_smallest_other_row(submitted):
    for _ in range(5):
        submitted("13", 2, 4)
    submitted("22", 4, 5)  # alone: total minus 東京 would give this company's levels
    report = build_report(jurisdiction_of("kanto"), None)
    assert report.n_companies == 6 and not report.suppressed
    rows = {r.label: r for r in report.by_prefecture}
    assert rows["東京都"].suppressed and rows["静岡県"].suppressed
    assert not report.summary[0].suppressed

    for _ in range(4):
        submitted("22", 4, 5)
    rows = {r.label: r for r in build_report(jurisdiction_of("kanto"), None).by_prefecture}
    assert not rows["東京都"].suppressed and rows["東京都"].current.mean == 2.0
    assert not rows["静岡県"].suppressed and rows["静岡県"].current.mean == 4.0
    assert rows["神奈川県"].suppressed  # empty rows look like small ones


def test_only_submitted_assessments_count(submitted, make_company, owner, db):
    for _ in range(5):
        submitted("13", 3, 4)
    draft_company = make_company(owner, prefecture="13")
    services.start_assessment(
        draft_company, YEAR, owner, prefill=False, index_version=DEFAULT_VERSION
    )
    assert build_report(jurisdiction_of("kanto"), None).n_companies == 5


def test_no_company_name_answers_or_evidence_in_page_or_csv(submitted, bureau_client):
    for level in (1, 2, 3, 4, 5):
        submitted("13", level, 5)
    client = bureau_client()
    html = _page(client)
    body = client.get("/bureau/reports.csv").get_data(as_text=True)
    for text in (html, body):
        assert "秘匿企業" not in text and "根拠" not in text
        assert "/companies/" not in text and "/assessments/" not in text


def test_year_selection_defaults_to_latest_and_reports_bad_input(submitted, bureau_client):
    for level in (1, 1, 1, 1, 1):
        submitted("13", level, 2, year=2024)
    for level in (3, 3, 3, 3, 3):
        submitted("13", level, 4, year=2025)
    client = bureau_client()
    html = _page(client)
    assert '<option value="2025" selected>' in html and "3.00" in html
    html = _page(client, "/bureau/reports?year=2024")
    assert '<option value="2024" selected>' in html and "1.00" in html
    html = _page(client, "/bureau/reports?year=abc")
    assert "年度の指定が正しくない" in html and '<option value="2025" selected>' in html
    html = _page(client, "/bureau/reports?year=1999")
    assert "1999年度の提出データはありません" in html


def test_empty_jurisdiction_and_missing_bureau_code(bureau_client):
    assert "まだありません" in _page(bureau_client("kanto"))
    assert "管轄（経済産業局）がアカウントに設定されていません" in _page(bureau_client(None))
    assert "管轄（経済産業局）がアカウントに設定されていません" in _page(bureau_client("mars"))


def test_report_query_count_does_not_grow_with_companies(submitted, db):
    def statements():
        seen = []

        def count(*_args, **_kwargs):
            seen.append(1)

        engine = db.engine
        event.listen(engine, "before_cursor_execute", count)
        try:
            build_report(jurisdiction_of("national"), None)
        finally:
            event.remove(engine, "before_cursor_execute", count)
        db.session.rollback()
        return len(seen)

    for _ in range(5):
        submitted("13", 2, 3)
    few = statements()
    for _ in range(7):
        submitted(OSAKA, 2, 3)
    assert statements() == few <= 5


def test_csv_download(submitted, bureau_client, db):
    for level in (1, 2, 3, 4, 5):
        submitted("13", level, 5)
    client = bureau_client()
    response = client.get("/bureau/reports.csv?year=2025")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="dx-report-kanto-2025.csv"; ')
    encoded = disposition.split("filename*=UTF-8''")[1]
    assert unquote(encoded) == "DX推進指標_集計_関東経済産業局_2025年度.csv"
    raw = response.get_data()
    assert raw.startswith("\ufeff".encode())
    text = raw.decode("utf-8-sig")
    assert "\r\n" in text
    rows = list(csv.reader(io.StringIO(text)))
    overall = next(r for r in rows if r and r[0] == "全体（35項目）")
    # Exactly the page's digits (app/web/numbers.py): two decimals for levels, one for shares.
    assert overall[1:7] == ["5", "3.00", "3.00", "5.00", "5.00", "60.0"]
    assert '"' not in text.split("全体（35項目）")[1].split("\r\n")[0]  # numbers unquoted
    tokyo = next(r for r in rows if r and r[0] == "東京都")
    assert tokyo[1] == "5"
    kanagawa = next(r for r in rows if r and r[0] == "神奈川県")
    assert kanagawa[1:] == [SUPPRESSED_TEXT]
    items = [r for r in rows if r and r[0].split(" ")[0] in {i.id for i in INDEX.items}]
    assert len(items) == 35
    event_row = db.session.scalar(db.select(AuditEvent).where(AuditEvent.event == "export"))
    assert event_row.details["bureau"] == "kanto" and event_row.details["fiscal_year"] == 2025


def test_csv_of_a_suppressed_report_has_no_figures(submitted, bureau_client):
    for level in (1, 2):
        submitted("13", level, 5)
    text = bureau_client().get("/bureau/reports.csv").get_data(as_text=True)
    assert "5社未満のため、数値は表示しません" in text
    assert "全体（35項目）" not in text


def test_csv_defuses_formulas_in_every_text_cell(submitted):
    from dataclasses import replace

    for level in (1, 2, 3, 4, 5):
        submitted("13", level, 5)
    report = build_report(jurisdiction_of("kanto"), None)
    evil = replace(report.summary[0], label='=HYPERLINK("http://evil.example")')
    jurisdiction = replace(report.jurisdiction, name="@SUM(A1)")
    report = replace(report, summary=(evil, *report.summary[1:]), jurisdiction=jurisdiction)
    rows = list(csv.reader(io.StringIO(report_csv(report).lstrip("\ufeff"))))
    assert rows[0][1] == "'@SUM(A1)"
    assert any(r and r[0] == '\'=HYPERLINK("http://evil.example")' for r in rows)
    assert not any(cell.startswith(("=", "+", "-", "@")) for r in rows for cell in r)


@pytest.mark.parametrize("role", ["member", "advisor", "admin"])
def test_reports_are_404_for_other_roles(role, app, make_user, login):
    user = make_user(role=role)
    client = app.test_client()
    login(user.email, c=client)
    assert client.get("/bureau/reports").status_code == 404
    assert client.get("/bureau/reports.csv").status_code == 404


def test_reports_need_login(client):
    response = client.get("/bureau/reports")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_bureau_gets_404_on_every_company_page(submitted, bureau_client, db):
    company = submitted("13", 3, 4)
    assessment_id = company.assessments[0].id
    client = bureau_client()
    for url in (
        f"/companies/{company.id}",
        f"/companies/{company.id}/edit",
        f"/assessments/{assessment_id}",
        f"/assessments/{assessment_id}/results",
        f"/assessments/{assessment_id}/review",
        f"/assessments/{assessment_id}/steps/profile",
        f"/assessments/{assessment_id}/steps/{INDEX.steps[0].id}",
        "/companies/",
    ):
        assert client.get(url).status_code == 404, url


def test_bureau_lands_on_reports_after_login(app, make_user, login):
    user = make_user(role="bureau", bureau_code="kanto")
    client = app.test_client()
    login(user.email, c=client)
    response = client.get("/")
    assert response.headers["Location"].endswith("/bureau/reports")
    assert 'href="/bureau/reports">集計レポート</a>' in _page(client)


def test_csv_exports_are_rate_limited(bureau_client, monkeypatch, app):
    monkeypatch.setitem(app.config, "REPORT_EXPORT_LIMITS", "2 per hour")
    client = bureau_client()
    statuses = [client.get("/bureau/reports.csv").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]


def test_choose_period():
    from app.reports.aggregates import Period, choose_period

    periods = (Period(2025, "2026-01"), Period(2025, "2019-07"), Period(2024, "2019-07"))
    assert choose_period(periods, None, None) == periods[0]
    assert choose_period(periods, 2025, "2019-07") == periods[1]
    assert choose_period(periods, 2024, None) == periods[2]
    assert choose_period(periods, 2024, "2026-01") == periods[2]  # that year has no such version
    assert choose_period(periods, 1999, None) == periods[0]
    assert choose_period((), 2025, None) is None
