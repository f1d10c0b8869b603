"""Index versions as data (issue 15): `flask index validate/load/set-default`, the admin page,
the version a company chooses when it starts a year, and the synthetic second version through
load -> assessment -> steps -> submit -> results -> progress, on the real database."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.extensions import db as _db
from app.indexes import services as index_versions
from app.models import Assessment, IndexVersion
from questionnaires import load_index
from questionnaires.loader import available_versions
from tests.integration.helpers import fill_all_steps, submit

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "index_versions"
SYNTHETIC_FILE = FIXTURES / "synthetic-2026.yaml"
SYNTHETIC = "synthetic-2026"
BROKEN = sorted(p for p in (FIXTURES / "broken").glob("*.yaml") if not p.name.startswith("map"))


@pytest.fixture()
def index_cli(app, db):
    runner = app.test_cli_runner()

    def invoke(*args):
        result = runner.invoke(args=["index", *args])
        db.session.expire_all()
        return result

    return invoke


def _stored_rows(db):
    return db.session.scalars(db.select(IndexVersion)).all()


def _expected(path: Path) -> list[str]:
    return re.findall(r"^# expect: (.+)$", path.read_text(encoding="utf-8"), re.MULTILINE)


# -- validate and load -------------------------------------------------------------------------
def test_validate_reports_a_good_file_and_stores_nothing(index_cli, db):
    result = index_cli("validate", str(SYNTHETIC_FILE))
    assert result.exit_code == 0, result.output
    assert "valid: synthetic-2026" in result.output
    assert "12 items" in result.output and "12 with item criteria" in result.output
    assert "SYNTHETIC (not official)" in result.output
    assert _stored_rows(db) == []


@pytest.mark.parametrize("path", BROKEN, ids=lambda p: p.stem)
def test_broken_files_report_every_problem_and_change_nothing(index_cli, db, path):
    before = available_versions()
    for command in ("validate", "load"):
        result = index_cli(command, str(path))
        assert result.exit_code == 1, result.output
        for pattern in _expected(path):
            assert re.search(pattern, result.output), (command, pattern, result.output)
    assert _stored_rows(db) == []
    assert available_versions() == before


def test_load_stores_the_version_and_makes_it_loadable(index_cli, db):
    result = index_cli("load", str(SYNTHETIC_FILE))
    assert result.exit_code == 0, result.output
    assert result.output.startswith("loaded: synthetic-2026")
    (row,) = _stored_rows(db)
    assert row.version_id == SYNTHETIC and row.active and not row.is_default
    assert row.definition == SYNTHETIC_FILE.read_text(encoding="utf-8")
    assert SYNTHETIC in available_versions()
    index = load_index(SYNTHETIC)
    assert index.item_count == 12 and len(index.frameworks) == 3
    again = index_cli("load", str(SYNTHETIC_FILE))
    assert again.output.startswith("unchanged: synthetic-2026")


def test_a_stored_version_is_immutable_once_an_assessment_uses_it(
    index_cli, db, tmp_path, make_user, make_company
):
    from app.assessments import services

    assert index_cli("load", str(SYNTHETIC_FILE)).exit_code == 0
    changed = tmp_path / "changed.yaml"
    text = SYNTHETIC_FILE.read_text(encoding="utf-8")
    changed.write_text(text.replace("試験項目A1に取り組んでいるか。", "改めた設問。"), "utf-8")
    # Unused: a corrected file replaces the stored one.
    result = index_cli("load", str(changed))
    assert result.output.startswith("replaced: synthetic-2026"), result.output
    assert load_index(SYNTHETIC).item("A1").question == "改めた設問。"
    # Used by an assessment: refused, the stored text stays.
    owner = make_user(email="owner@example.jp")
    services.start_assessment(
        make_company(owner), 2026, owner, prefill=False, index_version=SYNTHETIC
    )
    result = index_cli("load", str(SYNTHETIC_FILE))
    assert result.exit_code == 1
    assert "診断で使われているため変更できません" in result.output
    assert load_index(SYNTHETIC).item("A1").question == "改めた設問。"


def test_a_packaged_version_cannot_be_overwritten(index_cli, db, tmp_path):
    text = SYNTHETIC_FILE.read_text(encoding="utf-8").replace(
        "version_id: synthetic-2026", "version_id: 2019-07"
    )
    path = tmp_path / "fake.yaml"
    path.write_text(text, encoding="utf-8")
    result = index_cli("load", str(path))
    assert result.exit_code == 1 and "同梱の定義ファイル" in result.output
    assert _stored_rows(db) == []
    assert load_index("2019-07").item_count == 35


def test_set_default_wins_over_the_setting(index_cli, app, db):
    assert index_versions.default_version() == app.config["INDEX_VERSION"] == "2019-07"
    assert index_cli("set-default", SYNTHETIC).exit_code == 1  # not loaded yet
    assert index_cli("load", str(SYNTHETIC_FILE)).exit_code == 0
    result = index_cli("set-default", SYNTHETIC)
    assert result.exit_code == 0, result.output
    assert index_versions.default_version() == SYNTHETIC
    listing = index_cli("list").output.splitlines()
    assert any(
        line.startswith("synthetic-2026\tstored\tactive default\t12 items") for line in listing
    )
    assert any(line.startswith("2019-07\tpackaged\tactive\t35 items") for line in listing)


# -- the admin page ------------------------------------------------------------------------------
def _version_rows(page) -> dict[str, list[str]]:
    return {row[0]: row for row in page.table("table")[1:]}


def test_admin_page_lists_versions_with_status_counts_and_use(
    index_cli, client_request, db, make_user, make_company
):
    from app.assessments import services

    assert index_cli("load", str(SYNTHETIC_FILE)).exit_code == 0
    owner = make_user(email="owner@example.jp")
    services.start_assessment(
        make_company(owner), 2026, owner, prefill=False, index_version=SYNTHETIC
    )
    client_request.login_as("admin")
    rows = _version_rows(client_request.get("admin.versions"))
    assert set(rows) == {"2019-07", SYNTHETIC}
    # 版, 名称・構成, 状態, 項目数, 使用中の診断, 操作
    assert rows["2019-07"][3:5] == ["35", "0"]
    assert rows[SYNTHETIC][3:5] == ["12", "1"]
    assert "既定" in rows["2019-07"][2] and "既定" not in rows[SYNTHETIC][2]
    assert "公式ではない版" in rows[SYNTHETIC][1]
    assert "柱A 試験用の経営（4）" in rows[SYNTHETIC][1]

    page = client_request.post(
        "admin.version_default",
        version=SYNTHETIC,
        _from="admin.versions",
        _follow_redirects=True,
        _expected_status=200,
    )
    assert page.flashes("success") == ["版 synthetic-2026 を新しい診断の既定にしました。"]
    rows = _version_rows(page)
    assert "既定" in rows[SYNTHETIC][2] and "既定" not in rows["2019-07"][2]
    assert index_versions.default_version() == SYNTHETIC


def test_admin_cannot_stop_the_default_and_can_stop_another(index_cli, client_request, db):
    assert index_cli("load", str(SYNTHETIC_FILE)).exit_code == 0
    client_request.login_as("admin")
    page = client_request.post(
        "admin.version_deactivate",
        version="2019-07",
        _from="admin.versions",
        _follow_redirects=True,
        _expected_status=200,
    )
    assert page.flashes("warning") == ["既定の版は停止できません。先に別の版を既定にしてください。"]
    page = client_request.post(
        "admin.version_deactivate",
        version=SYNTHETIC,
        _from="admin.versions",
        _follow_redirects=True,
        _expected_status=200,
    )
    assert "停止中" in _version_rows(page)[SYNTHETIC][2]
    assert index_versions.active_versions() == ["2019-07"]
    client_request.post(
        "admin.version_default",
        version="no-such-version",
        _from="admin.versions",
        _expected_status=404,
    )


# -- a company chooses among active versions; the synthetic version end to end ----------------
def _start(client_request, company, version=None, status=302):
    data = {"fiscal_year": "2026"}
    if version is not None:
        data["index_version"] = version
    return client_request.post(
        "assessments.start",
        company_id=company.id,
        _data=data,
        _from=client_request.url("companies.dashboard", company_id=company.id),
        _expected_status=status,
    )


def test_dashboard_offers_only_active_versions(index_cli, client_request, db, make_company):
    company = make_company()
    client_request.login_as("owner", company)
    page = client_request.get("companies.dashboard", company_id=company.id)
    assert page.select_one("select[name=index_version]") is None  # one version: no choice
    assert index_cli("load", str(SYNTHETIC_FILE)).exit_code == 0
    page = client_request.get("companies.dashboard", company_id=company.id)
    options = page.select("select[name=index_version] option")
    assert [o["value"] for o in options] == ["2019-07", SYNTHETIC]
    assert options[0].has_attr("selected")
    index_versions.set_active(SYNTHETIC, False)
    page = client_request.get("companies.dashboard", company_id=company.id)
    assert page.select_one("select[name=index_version]") is None
    # A stopped or unknown version posted anyway: refused, nothing started.
    for version in (SYNTHETIC, "no-such-version", "../x"):
        _start(client_request, company, version, status=400)
    assert db.session.scalar(db.select(_db.func.count(Assessment.id))) == 0


def test_synthetic_version_from_load_to_results(
    index_cli, client_request, client, db, make_company
):
    assert index_cli("load", str(SYNTHETIC_FILE)).exit_code == 0
    company = make_company()
    client_request.login_as("owner", company)
    _start(client_request, company, SYNTHETIC)
    assessment = db.session.scalar(db.select(Assessment))
    assert assessment.index_version == SYNTHETIC
    index = load_index(SYNTHETIC)

    # Step pages: the version's pillars, item-specific criteria under each level, 非公式 label.
    first = index.steps[0]
    page = client_request.get("assessments.step", assessment_id=assessment.id, step_id=first.id)
    assert page.h1 == "柱A 試験用の経営"
    assert "公式ではない版" in page.text(".synthetic-version")
    fieldset = page.select_one("fieldset#item-A1-1-current") or page.find(
        "input", attrs={"name": "item-A1-1-current"}
    ).find_parent("fieldset")
    criteria = [c.get_text(strip=True) for c in fieldset.select(".level-criterion")]
    assert criteria == [f"項目A1-1のレベル{v}の基準" for v in range(6)]
    names = [n.get_text(strip=True) for n in fieldset.select(".level-name")]
    assert names == [level.name for level in index.levels]

    # Nothing answered yet: the review page counts this version's items.
    review = client_request.get("assessments.review", assessment_id=assessment.id)
    assert review.text(".error-summary h2") == "未回答の項目が12件あります"
    assert "提出するには、12項目すべての現在値と目標値が必要です。" in review.text(".error-summary")

    # All 12 items answered (current 4, target 5) and submitted.
    fill_all_steps(client, assessment.id, index, current=4, target=5)
    response = submit(client, assessment.id)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    db.session.expire_all()
    assert db.session.get(Assessment, assessment.id).status == "submitted"

    results = client_request.get("assessments.results", assessment_id=assessment.id)
    tiles = dict(
        (t.select_one(".label").get_text(strip=True), t.select_one(".value").get_text(strip=True))
        for t in results.select(".score-tile")
    )
    assert tiles["現在値（全12項目の平均）"] == "4.00"
    # The synthetic rule: mean current >= 4 is leading (2019's rule says >= 3).
    assert tiles["先行企業の判定"] == "先行企業"
    assert "現在値の平均が4以上（試験用の架空の規則）" in results.text(".score-summary")
    # The index file's description is Japanese: an English page states the rule from its fields.
    english = client_request.get("assessments.results", assessment_id=assessment.id, lang="en")
    leading = english.select(".score-tile")[-1]
    assert leading.select_one(".label").get_text(strip=True) == "Leading-company test"
    assert leading.select_one(".change").get_text(strip=True) == (
        "Average current level of 4 or more"
    )
    client_request.get("assessments.results", assessment_id=assessment.id, lang="ja")
    table = results.table('section:has(> h2:-soup-contains("全体・枠組み別")) table')
    labels = [row[0] for row in table[1:]]
    assert labels == ["全12項目", "柱A 試験用の経営", "柱B 試験用の人材", "柱C 試験用の基盤"]
    # No IPA national figures beside a version they were not computed on.
    assert table[0][-2:] == ["全国平均 現在値", "全国平均 目標値"]
    assert {cell for row in table[1:] for cell in row[-2:]} == {"—"}

    progress = client_request.get("progress.company", company_id=company.id)
    assert progress.status_code == 200
    charts = [f.svg["aria-label"] for f in progress.select("figure.line-chart")]
    assert any("柱B 試験用の人材" in label for label in charts)


def test_2019_step_pages_keep_the_generic_level_descriptions(client_request, db, make_company):
    company = make_company()
    client_request.login_as("owner", company)
    _start(client_request, company)
    assessment = db.session.scalar(db.select(Assessment))
    assert assessment.index_version == "2019-07"
    index = load_index("2019-07")
    page = client_request.get(
        "assessments.step", assessment_id=assessment.id, step_id=index.steps[0].id
    )
    assert page.select(".level-criterion") == []
    assert page.select_one(".synthetic-version") is None
    descriptions = (
        page.find("input", attrs={"name": "item-1-current"})
        .find_parent("fieldset")
        .select(".level-desc")
    )
    assert [d.get_text(strip=True) for d in descriptions] == [
        level.description for level in index.levels
    ]


# -- year over year across a mapped version change -----------------------------------------------
MAPPING_FILE = FIXTURES / "2019-07_to_synthetic-2026.yaml"


def _results_tables(page):
    def table(title):
        rows = page.table(f'section:has(> h2:-soup-contains("{title}")) table')
        return {row[0]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}

    return table("全体・枠組み別"), table("項目別")


def test_year_over_year_across_versions_through_a_mapping(
    index_cli, client_request, client, db, make_company, make_user
):
    from tests.integration.member_helpers import submitted_assessment

    assert index_cli("load", str(SYNTHETIC_FILE)).exit_code == 0
    owner = make_user(email="owner@example.jp")
    company = make_company(owner)
    submitted_assessment(company, owner, year=2025, level=2)  # 2019-07: every item 2 / 3
    client_request.login(owner)
    _start(client_request, company, SYNTHETIC)
    assessment = db.session.scalar(db.select(Assessment).where(Assessment.fiscal_year == 2026))
    fill_all_steps(client, assessment.id, load_index(SYNTHETIC), current=3, target=5)
    assert submit(client, assessment.id).status_code == 302

    # No mapping: a different version is not comparable at all.
    page = client_request.get("assessments.results", assessment_id=assessment.id)
    overall, items = _results_tables(page)
    assert items["A1 試験項目A1"]["前年度比"] == "比較不可"
    assert "比較できません" in page.text(".comparison-note")

    # A broken mapping changes nothing; the synthetic mapping is stored.
    broken = FIXTURES / "broken" / "mapping-unknown-item.yaml"
    result = index_cli("load-mapping", str(broken))
    assert result.exit_code == 1
    for pattern in _expected(broken):
        assert re.search(pattern, result.output), pattern
    result = index_cli("load-mapping", str(MAPPING_FILE))
    assert result.output.strip() == "loaded: mapping 2019-07 -> synthetic-2026", result.output

    page = client_request.get("assessments.results", assessment_id=assessment.id)
    overall, items = _results_tables(page)
    assert items["A1 試験項目A1"]["前年度"] == "2" and items["A1 試験項目A1"]["前年度比"] == "+1"
    assert items["B1-1 試験項目B1-1"]["前年度比"] == "+1"  # continues item 4
    assert items["C1 試験項目C1"]["前年度比"] == "比較不可"  # a merge of two items
    assert items["A1-1 試験項目A1-1"]["前年度比"] == "比較不可"  # no predecessor
    assert items["A1-1 試験項目A1-1"]["前年度"] == "—"
    assert {row["前年度比"] for row in overall.values()} == {"比較不可"}
    assert "対応する項目だけを比較" in page.text(".comparison-note")
    # The dashboard lists the overall change as not comparable (means are not mapped).
    dashboard = client_request.get("companies.dashboard", company_id=company.id)
    rows = {row[0]: row for row in dashboard.table("table")[1:]}
    assert rows["2026年度"][4].startswith("比較不可")


# -- bureau report and its CSV for the synthetic version ------------------------------------------
def test_bureau_report_and_csv_follow_the_synthetic_structure(
    app, index_cli, client_request, db, make_user, make_company
):
    import csv
    import io

    from app.assessments import services

    assert index_cli("load", str(SYNTHETIC_FILE)).exit_code == 0
    index = load_index(SYNTHETIC)
    owner = make_user(email="owner@example.jp")
    for n, level in enumerate((1, 2, 3, 4, 5), start=1):
        company = make_company(owner, name=f"合成{n}株式会社", prefecture="13")
        assessment = services.start_assessment(
            company, 2026, owner, prefill=False, index_version=SYNTHETIC
        )
        services.confirm_profile(assessment)
        for step in index.steps:
            values = {
                i: {"current": level, "target": 5, "evidence": "", "action": ""}
                for i in step.item_ids
            }
            assert services.save_step(assessment, step, values, 0, owner) is None
        assert services.submit(assessment, assessment.version, owner)
    published = app.test_cli_runner().invoke(
        args=["reports", "release", "--year", "2026", "--version", SYNTHETIC]
    )
    assert published.exit_code == 0, published.output
    bureau = client_request.new_session().login(make_user(role="bureau", bureau_code="kanto"))

    page = bureau.get("reports.index", year=2026, version=SYNTHETIC)
    summary = next(
        t for t in page.select("table") if t.caption.get_text().startswith("全体と枠組み別の成熟度")
    )
    labels = [tr.find(["th", "td"]).get_text(strip=True) for tr in summary.select("tbody tr")]
    # The footer cites the report's version (synthetic: never as an official index).
    assert f"（{SYNTHETIC}）は試験用の合成データ" in page.text("footer .index-citation")
    assert labels == [
        "全体（12項目）",
        "柱A 試験用の経営（4項目）",
        "柱B 試験用の人材（4項目）",
        "柱C 試験用の基盤（4項目）",
    ]
    response = bureau.get("reports.export_csv", year=2026, version=SYNTHETIC).response
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    release_line = next(r for r in rows if r and r[0] == "公表回")
    assert f"指標 {SYNTHETIC}" in release_line[1]
    overall = next(r for r in rows if r and r[0] == "全体（12項目）")
    assert overall[1:6] == ["5", "3.00", "3.00", "5.00", "5.00"]
    assert any(r and r[0] == "柱C 試験用の基盤（4項目）" for r in rows)
