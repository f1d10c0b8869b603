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
def bureau_client(client_request, make_user):
    """make(code): a signed-in bureau account's session (a ClientRequest)."""

    def make(code="kanto"):
        user = make_user(role="bureau", bureau_code=code)
        return client_request.new_session().login(user)

    return make


def _page(session, **query):
    return session.get("reports.index", **query)


def _rows(page, caption_start: str) -> dict[str, list[str]]:
    """The report table whose caption begins with ``caption_start``: {first cell: the rest}."""
    tables = [t for t in page.select("table") if t.caption.get_text().startswith(caption_start)]
    assert len(tables) == 1, f"{len(tables)} tables captioned {caption_start!r}"
    rows = [
        [" ".join(cell.get_text(" ").split()) for cell in tr.find_all(["th", "td"])]
        for tr in tables[0].select("tbody tr")
    ]
    return {row[0]: row[1:] for row in rows}


def _tiles(page) -> dict[str, str]:
    return {
        tile.select_one(".label").get_text(): tile.select_one(".value").get_text()
        for tile in page.select(".score-tile")
    }


def test_bureau_sees_only_companies_in_its_jurisdiction(submitted, bureau_client):
    for level in (1, 2, 3, 3, 4):
        submitted("13", level, 5)
    submitted("22", 2, 4)
    for _ in range(5):
        submitted(OSAKA, 5, 5)  # would pull every mean up if it were counted

    kanto = build_report(jurisdiction_of("kanto"), None)
    assert kanto.n_companies == 6
    assert kanto.summary[0].current.mean == pytest.approx(15 / 6)
    page = _page(bureau_client("kanto"))
    assert page.h1 == "集計レポート（関東経済産業局）"
    prefectures = _rows(page, "都道府県別")
    assert "東京都" in prefectures and "静岡県" in prefectures
    assert "大阪府" not in prefectures and "大阪府" not in page.html

    kinki = build_report(jurisdiction_of("kinki"), None)
    assert kinki.n_companies == 5 and kinki.summary[0].current.mean == 5.0

    national = build_report(jurisdiction_of("national"), None)
    assert national.n_companies == 11
    assert national.summary[0].current.mean == pytest.approx(40 / 11)
    assert "大阪府" in _rows(_page(bureau_client("national")), "都道府県別")


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

    page = _page(bureau_client())
    mean = f"{sum(currents) / 5:.2f}"
    assert _tiles(page) == {
        "提出企業数（2025年度）": "5",
        "現在値の平均": mean,
        "目標値の平均": "3.80",
        "先行企業の割合": "60.0%",
    }
    summary = _rows(page, "全体と枠組み別の成熟度")
    assert summary["全体（35項目）"] == ["5", mean, "3.00", "3.80", "4.00", "60.0%"]
    # 東京 3 + 静岡 2: both small, hidden together (5 companies, nothing to subtract)
    prefectures = _rows(page, "都道府県別")
    assert prefectures["東京都"] == prefectures["静岡県"] == [SUPPRESSED_TEXT]
    # every company is 製造業 and 小規模企業者: those rows are shown
    manufacturing = _rows(page, "業種別")["製造業"]
    assert manufacturing[0] == "5" and SUPPRESSED_TEXT not in manufacturing


def test_fewer_than_five_companies_hides_the_whole_report(submitted, bureau_client):
    for level in (1, 2, 3, 4):
        submitted("13", level, 5)
    submitted(OSAKA, 1, 1)
    report = build_report(jurisdiction_of("kanto"), None)
    assert report.suppressed and report.summary == () and report.items == ()
    page = _page(bureau_client())
    assert page.texts("p.suppressed") == [SUPPRESSED_TEXT]
    assert "2.50" not in page.html
    assert any("5社未満のため" in text for text in page.texts(".panel p"))
    assert page.select("table") == [] and page.select(".score-tile") == []


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
    session = bureau_client()
    html = _page(session).html
    body = session.get("reports.export_csv").html
    for text in (html, body):
        assert "秘匿企業" not in text and "根拠" not in text
        assert "/companies/" not in text and "/assessments/" not in text


def test_year_selection_defaults_to_latest_and_reports_bad_input(submitted, bureau_client):
    for level in (1, 1, 1, 1, 1):
        submitted("13", level, 2, year=2024)
    for level in (3, 3, 3, 3, 3):
        submitted("13", level, 4, year=2025)
    session = bureau_client()
    page = _page(session)
    assert page.field_value("year") == "2025" and _tiles(page)["現在値の平均"] == "3.00"
    assert page.flashes() == []
    page = _page(session, year="2024")
    assert page.field_value("year") == "2024" and _tiles(page)["現在値の平均"] == "1.00"
    page = _page(session, year="abc")
    assert page.flashes("warning") == ["年度の指定が正しくないため、最新の年度を表示しています。"]
    assert page.field_value("year") == "2025"
    page = _page(session, year="1999")
    assert page.flashes("warning") == [
        "1999年度の提出データはありません。最新の年度を表示しています。"
    ]
    assert page.field_value("year") == "2025"


def test_empty_jurisdiction_and_missing_bureau_code(bureau_client):
    assert _page(bureau_client("kanto")).texts(".panel p") == [
        "管轄内で提出された自己診断はまだありません。"
    ]
    for code in (None, "mars"):  # no bureau, or one that does not exist
        unset = _page(bureau_client(code))
        assert unset.h1 == "集計レポート"
        assert unset.texts(".panel p")[0].startswith(
            "集計の対象となる管轄（経済産業局）がアカウントに設定されていません"
        )


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
    response = bureau_client().get("reports.export_csv", year=2025).response
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
    text = bureau_client().get("reports.export_csv").html
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
def test_reports_are_404_for_other_roles(role, client_request, make_user):
    client_request.login(make_user(role=role))
    client_request.get("reports.index", _expected_status=404)
    client_request.get("reports.export_csv", _expected_status=404)


def test_reports_need_login(client_request):
    response = client_request.get("reports.index", _expected_status=302)
    assert "/login" in response.location


def test_bureau_gets_404_on_every_company_page(submitted, bureau_client, db):
    company = submitted("13", 3, 4)
    assessment_id = company.assessments[0].id
    session = bureau_client()
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
        session.get_url(url, _expected_status=404)


def test_bureau_lands_on_reports_after_login(bureau_client):
    session = bureau_client()
    assert session.get("main.home", _expected_status=302).location.endswith("/bureau/reports")
    links = _page(session).select('nav.user-nav a[href="/bureau/reports"]')
    assert [a.get_text() for a in links] == ["集計レポート"]


def test_csv_exports_are_rate_limited(bureau_client, monkeypatch, app):
    monkeypatch.setitem(app.config, "REPORT_EXPORT_LIMITS", "2 per hour")
    session = bureau_client()
    statuses = [
        session.get("reports.export_csv", _expected_status=None).status_code for _ in range(3)
    ]
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
