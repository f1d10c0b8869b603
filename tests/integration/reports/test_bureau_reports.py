"""Bureau reports: releases, hand-computed figures on page, CSV and .xlsx, filters, access."""

import io
from urllib.parse import unquote

import pytest
from openpyxl import load_workbook

from app.models import AuditEvent, ReleaseCell
from app.reports.services import CARRIED_TEXT, SUPPRESSED_TEXT
from questionnaires import reference
from tests.integration.reports.conftest import (
    INDEX,
    MGMT,
    YEAR,
    csv_tables,
    page_tables,
    xlsx_tables,
)

OSAKA = "27"
SUMMARY = "全体と枠組み別の成熟度（関東経済産業局）"
ITEMS = "項目それぞれの平均レベルとレベル別の企業数（現在値）"
GROUPS = "項目グループ（キークエスチョンとサブクエスチョン）別の平均レベル"
WEAKEST = "現在値の平均が低い5項目"


def _rows(table: list[list[str]]) -> dict[str, list[str]]:
    return {row[0]: row[1:] for row in table[1:]}


def _raw(session, endpoint, **query) -> bytes:
    response = session.client.get(session.url(endpoint, **query))
    assert response.status_code == 200
    return response.get_data()


def _hand_computed_five(submitted):
    """Five 製造業, 小規模企業者 companies in 関東: (management, IT) current levels, target."""
    small = {"jsic": "E", "employees": 10, "capital_yen": 5_000_000}
    submitted("13", (1, 1), 3, **small)
    submitted("13", (2, 2), 3, **small)
    submitted("13", (3, 3), 4, **small)
    submitted("22", (4, 2), 4, **small)
    submitted("22", (4, 4), 5, **small)


def test_page_csv_and_xlsx_show_the_hand_computed_figures(submitted, release, bureau_client):
    _hand_computed_five(submitted)
    release()
    session = bureau_client()
    page = session.get("reports.index")
    company_4 = (19 * 4 + 16 * 2) / 35  # 3.0857...: a leading company (≥ 3)
    mean = f"{(1 + 2 + 3 + company_4 + 4) / 5:.2f}"  # 2.62
    assert mean == "2.62"
    expected_summary = {
        "全体（35項目）": ["5", mean, "3.00", "3.80", "4.00", "60.0", ""],
        "DX推進の枠組み（19項目）": ["5", "2.80", "3.00", "3.80", "4.00", "—", ""],
        "ITシステム構築の枠組み（16項目）": ["5", "2.40", "2.00", "3.80", "4.00", "—", ""],
    }
    tiles = {
        t.select_one(".label").get_text(): t.select_one(".value").get_text()
        for t in page.select(".score-tile")
    }
    assert tiles == {
        "提出企業数": "5",
        "現在値の平均": mean,
        "目標値の平均": "3.80",
        "先行企業の割合": "60.0%",
    }
    tables = page_tables(page)
    assert _rows(tables[SUMMARY]) == expected_summary
    # 東京 3 + 静岡 2: both small, hidden together (5 companies, nothing to subtract)
    prefectures = _rows(tables["都道府県別"])
    assert prefectures["東京都"] == prefectures["静岡県"] == [SUPPRESSED_TEXT]
    assert _rows(tables["業種別（日本標準産業分類 大分類）"])["製造業"][:2] == ["5", mean]
    assert _rows(tables["初回提出・継続提出別"])["初回提出の企業"][0] == "5"
    items = _rows(tables[ITEMS])
    # item 1 (management): current 1, 2, 3, 4, 4; item 8 (IT): 1, 2, 3, 2, 4; targets 3,3,4,4,5
    assert items["1 ビジョンの共有"] == [
        "DX推進の枠組み",
        "2.80",
        "3.80",
        "0",
        "1",
        "1",
        "1",
        "2",
        "0",
    ]
    item_8 = next(k for k in items if k.startswith("8 "))
    assert items[item_8] == ["ITシステム構築の枠組み", "2.40", "3.80", "0", "1", "2", "1", "1", "0"]
    groups = _rows(tables[GROUPS])
    assert groups["ビジョンの共有"] == ["2.80", "3.80"]
    assert groups["ガバナンス・体制"] == ["2.40", "3.80"]
    it_ids = sorted(i for i in (x.id for x in INDEX.items) if i not in MGMT)[:5]
    assert [row[0].split(" ")[0] for row in tables[WEAKEST][1:]] == it_ids
    # the chart draws the same counts: item 1 has segments for levels 1, 2, 3 and 4 (2 companies)
    bar = page.select("figure.distribution svg g")[0]
    assert bar.title.get_text() == "項目1: レベル1 1社、レベル2 1社、レベル3 1社、レベル4 2社"
    widths = [float(r["width"]) for r in bar.select("rect")]
    assert widths == pytest.approx([72, 72, 72, 144])

    # the CSV and the workbook hold the same tables with the same titles and digits
    csv_text = _raw(session, "reports.export_csv").decode("utf-8-sig")
    sections = csv_tables(csv_text)
    sheets = xlsx_tables(_raw(session, "reports.export_xlsx"))
    assert list(sections)[1:] == list(sheets) == list(tables)

    def same(rows):  # a missing figure is '—' on the page and an empty cell in a spreadsheet
        normalised = [["" if cell == "—" else cell for cell in row] for row in rows]
        for row in normalised:
            while row and row[-1] == "":
                row.pop()
        return normalised

    for caption, table in tables.items():
        assert same(sections[caption]) == same(sheets[caption]) == same(table), caption
    for line in csv_text.split("\r\n"):  # every mean has exactly two decimals, shares one
        for cell in line.split(","):
            if cell.replace(".", "").isdigit() and "." in cell:
                assert len(cell.split(".")[1]) in (1, 2), cell


def test_xlsx_has_one_sheet_per_table_with_number_formats(submitted, release, bureau_client):
    _hand_computed_five(submitted)
    release()
    raw = _raw(bureau_client(), "reports.export_xlsx")
    book = load_workbook(io.BytesIO(raw))
    assert book.sheetnames[0] == "概要"
    assert "全体・枠組み別" in book.sheetnames and "項目別" in book.sheetnames
    sheet = book["全体・枠組み別"]
    assert sheet["A1"].value == SUMMARY
    assert sheet["C3"].value == pytest.approx(2.62) and sheet["C3"].number_format == "0.00"
    assert sheet["E3"].value == pytest.approx(3.8) and sheet["E3"].number_format == "0.00"
    assert sheet["G3"].value == pytest.approx(60.0) and sheet["G3"].number_format == "0.0"


def test_downloads_have_names_headers_and_audit(submitted, release, bureau_client, db):
    for level in (1, 2, 3, 4, 5):
        submitted("13", level, 5)
    release_id = release()
    session = bureau_client()
    for endpoint, mimetype, ext in (
        ("reports.export_csv", "text/csv; charset=utf-8", "csv"),
        (
            "reports.export_xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        ),
    ):
        response = session.client.get(session.url(endpoint))
        assert response.headers["Content-Type"] == mimetype
        assert response.headers["Cache-Control"] == "no-store"
        disposition = response.headers["Content-Disposition"]
        assert disposition.startswith(
            f'attachment; filename="dx-report-kanto-{YEAR}-r{release_id}.{ext}"; '
        )
        assert unquote(disposition.split("filename*=UTF-8''")[1]) == (
            f"DX推進指標_集計_関東経済産業局_{YEAR}年度_公表{release_id}.{ext}"
        )
    raw = _raw(session, "reports.export_csv")
    assert raw.startswith("\ufeff".encode()) and b"\r\n" in raw
    events = db.session.scalars(db.select(AuditEvent).where(AuditEvent.event == "export")).all()
    assert sorted(e.details["format"] for e in events) == ["csv", "csv", "xlsx"]
    assert {e.details["release"] for e in events} == {release_id}


def test_nothing_is_shown_before_the_first_release_and_pages_never_read_live_data(
    submitted, release, bureau_client
):
    for level in (1, 2, 3, 4, 5):
        submitted("13", level, 5)
    session = bureau_client()
    assert session.get("reports.index").texts(".panel p") == ["公表済みの集計はまだありません。"]
    release()
    before = (page_tables(session.get("reports.index")), _raw(session, "reports.export_csv"))
    for _ in range(5):
        submitted("13", 5, 5)  # would change every figure if pages read live answers
    after = (page_tables(session.get("reports.index")), _raw(session, "reports.export_csv"))
    assert after == before
    release()
    assert _rows(page_tables(session.get("reports.index"))[SUMMARY])["全体（35項目）"][0] == "10"


def test_bureau_sees_only_its_jurisdiction_and_national_sees_every_bureau(
    submitted, release, bureau_client
):
    for level in (1, 2, 3, 3, 4):
        submitted("13", level, 5)
    for _ in range(5):
        submitted(OSAKA, 5, 5)
    release()
    kanto = bureau_client("kanto").get("reports.index")
    assert kanto.h1 == "集計レポート（関東経済産業局）"
    assert "大阪府" not in _rows(page_tables(kanto)["都道府県別"])
    assert "大阪府" not in kanto.html
    national = bureau_client("national").get("reports.index")
    tables = page_tables(national)
    bureaus = _rows(tables["経済産業局別（各局の管轄の合計）"])
    assert list(bureaus) == [b.name for b in reference.bureaus()]
    assert bureaus["関東経済産業局"][:2] == ["5", "2.60"]
    assert bureaus["近畿経済産業局"][:2] == ["5", "5.00"]
    assert bureaus["九州経済産業局"] == [SUPPRESSED_TEXT]
    assert _rows(tables["全体と枠組み別の成熟度（全国）"])["全体（35項目）"][:2] == ["10", "3.80"]


def test_one_filter_at_a_time_within_the_scope(submitted, release, bureau_client):
    for level in (1, 2, 3, 4, 5):
        submitted("13", level, 5, jsic="E")
    for level in (2, 2, 2, 2, 2):
        submitted("13", level, 4, jsic="G")
    release()
    session = bureau_client()
    page = session.get("reports.index", industry="G")
    assert page.field_value("industry") == "G"
    tables = page_tables(page)
    assert _rows(tables["全体と枠組み別の成熟度（情報通信業）"])["全体（35項目）"][:2] == [
        "5",
        "2.00",
    ]
    assert "都道府県別" not in tables  # no cross tables: a filtered page is one row's figures
    csv_text = _raw(session, "reports.export_csv", industry="G").decode("utf-8-sig")
    assert csv_tables(csv_text)[""][2] == ["絞り込み", "情報通信業"]
    for query, notice in (
        ({"industry": "G", "prefecture": "13"}, "絞り込みは一度に1つの区分だけです"),
        ({"prefecture": OSAKA}, "絞り込みの指定が正しくない"),  # outside 関東
        ({"industry": "=1+1"}, "絞り込みの指定が正しくない"),
        ({"bureau": "kinki"}, "絞り込みの指定が正しくない"),  # only the national account
        ({"release": "999"}, "指定された公表回はありません"),
        ({"year": "abc"}, "年度の指定が正しくない"),
        ({"year": "1999"}, "1999年度の公表済みの集計はありません"),
    ):
        page = session.get("reports.index", **query)
        assert any(notice in flash for flash in page.flashes("warning")), query
        assert _rows(page_tables(page)[SUMMARY])["全体（35項目）"][0] == "10"


def test_releases_of_two_years_and_year_over_year_change(submitted, release, bureau_client):
    companies = [submitted("13", 1, 3, year=2024) for _ in range(5)]
    release(2024)
    for company in companies:
        submitted("13", 2, 4, year=2025, company=company)
    release(2025)
    session = bureau_client()
    page = session.get("reports.index")
    assert page.field_value("release").isdigit()
    yoy = _rows(page_tables(page)["前年度との比較（各年度の提出企業全体、関東経済産業局）"])
    assert yoy["現在値の平均"] == ["1.00", "2.00", "1.00"]
    assert yoy["目標値の平均"] == ["3.00", "4.00", "1.00"]
    assert _rows(page_tables(page)["初回提出・継続提出別"])["前年度以前にも提出した企業"][0] == "5"
    older = session.get("reports.index", year="2024")
    assert _rows(page_tables(older)[SUMMARY])["全体（35項目）"][:2] == ["5", "1.00"]
    # IPA's national averages of the same data year (questionnaires/reference, IPA's reports)
    ipa = reference.ipa_national_average(2024)
    caption = next(c for c in page_tables(older) if c.startswith("IPA公表の全国平均"))
    assert _rows(page_tables(older)[caption])["現在値の平均"] == ["1.00", f"{ipa.current_mean:.2f}"]


def test_release_command_and_check_against_the_live_query(submitted, resubmit, release, app, db):
    companies = [submitted("13", level, 5) for level in (1, 2, 3, 4, 5)]
    release_id = release()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["reports", "check", "--release", str(release_id)])
    assert result.exit_code == 0, result.output
    compared = int(result.output.split(" cells")[0])
    published = db.session.scalar(
        db.select(db.func.count())
        .select_from(ReleaseCell)
        .where(ReleaseCell.release_id == release_id, ReleaseCell.status == "published")
    )
    assert compared == published > 0
    resubmit(companies[0], 3, 5)  # one company changed: its cells can no longer be compared
    result = runner.invoke(args=["reports", "check", "--release", str(release_id)])
    assert result.exit_code == 0 and "0 cells equal" in result.output
    assert runner.invoke(args=["reports", "check", "--release", "999"]).exit_code != 0
    bad = runner.invoke(args=["reports", "release", "--year", "2025", "--version", "9999-99"])
    assert bad.exit_code != 0 and "unknown index version" in bad.output


def test_no_company_name_answers_or_evidence_in_page_or_downloads(
    submitted, release, bureau_client
):
    for level in (1, 2, 3, 4, 5):
        submitted("13", level, 5)
    release()
    session = bureau_client()
    bodies = [
        session.get("reports.index").html,
        _raw(session, "reports.export_csv").decode("utf-8-sig"),
    ]
    book = load_workbook(io.BytesIO(_raw(session, "reports.export_xlsx")))
    bodies.append(
        " ".join(str(v) for s in book.worksheets for r in s.iter_rows(values_only=True) for v in r)
    )
    for body in bodies:
        assert "秘匿企業" not in body and "根拠" not in body
        assert "/companies/" not in body and "/assessments/" not in body


def test_empty_jurisdiction_and_missing_bureau_code(bureau_client):
    for code in (None, "mars"):
        page = bureau_client(code).get("reports.index")
        assert page.h1 == "集計レポート"
        assert page.texts(".panel p")[0].startswith(
            "集計の対象となる管轄（経済産業局）がアカウントに設定されていません"
        )


@pytest.mark.parametrize("role", ["member", "advisor", "admin"])
def test_reports_are_404_for_other_roles(role, client_request, make_user):
    client_request.login(make_user(role=role))
    for endpoint in ("reports.index", "reports.export_csv", "reports.export_xlsx"):
        client_request.get(endpoint, _expected_status=404)


def test_reports_need_login(client_request):
    for endpoint in ("reports.index", "reports.export_csv", "reports.export_xlsx"):
        assert "/login" in client_request.get(endpoint, _expected_status=302).location


def test_bureau_gets_404_on_every_company_page(submitted, bureau_client):
    company = submitted("13", 3, 4)
    assessment_id = company.assessments[0].id
    session = bureau_client()
    for url in (
        f"/companies/{company.id}",
        f"/assessments/{assessment_id}",
        f"/assessments/{assessment_id}/results",
        "/companies/",
    ):
        session.get_url(url, _expected_status=404)


def test_bureau_lands_on_reports_after_login(bureau_client):
    session = bureau_client()
    assert session.get("main.home", _expected_status=302).location.endswith("/bureau/reports")


def test_exports_are_rate_limited_together(bureau_client, monkeypatch, app):
    monkeypatch.setitem(app.config, "REPORT_EXPORT_LIMITS", "2 per hour")
    session = bureau_client()
    statuses = [
        session.client.get(session.url(endpoint)).status_code
        for endpoint in ("reports.export_csv", "reports.export_xlsx", "reports.export_csv")
    ]
    assert statuses == [200, 200, 429]


def test_carried_values_are_marked(submitted, release, bureau_client):
    for level in (1, 2, 3, 4, 5, 5):
        submitted("13", level, 5)
    release()
    submitted("13", 0, 1)  # one more company: the 関東 total may not move
    release()
    page = bureau_client().get("reports.index")
    overall = _rows(page_tables(page)[SUMMARY])["全体（35項目）"]
    assert overall[0] == "6" and overall[-1].startswith(str(CARRIED_TEXT))
    assert page.select_one("p.carried").get_text().startswith("関東経済産業局: 前回公表値")
