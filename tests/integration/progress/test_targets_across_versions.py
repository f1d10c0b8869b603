"""Target levels set under one index version and followed in a later year answered with another
(issue 15, scoring rule P10): through the stored item mapping on the progress page, the
dashboard and the history page; 比較不可 where an item has no continuation, on the real
database (SQLite and PostgreSQL)."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.assessments import services
from app.kpis.services import current_fiscal_year
from questionnaires import load_index
from tests.integration.member_helpers import submitted_assessment

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "index_versions"
SYNTHETIC = "synthetic-2026"
# The later year's levels: item 1 continues as A1 (reached), item 4 is split into B1 and B1-1
# (the lower part, 2, is what counts: no progress yet), items 8 and 9 merge into C1.
LATER_LEVELS = {"A1": 3, "B1": 3, "B1-1": 2, "C1": 4}


@pytest.fixture()
def two_versions(app, db, make_user, make_company):
    """A company whose set year answered 2019-07 (every item 2 -> 3) and whose next year
    answered the synthetic version; returns (owner, company, set year, later year, mapper)."""
    runner = app.test_cli_runner()
    loaded = runner.invoke(args=["index", "load", str(FIXTURES / "synthetic-2026.yaml")])
    assert loaded.exit_code == 0, loaded.output
    owner = make_user(email="owner@example.jp")
    company = make_company(owner)
    later_year = current_fiscal_year(company)
    set_year = later_year - 1
    submitted_assessment(company, owner, year=set_year, level=2)
    index = load_index(SYNTHETIC)
    later = services.start_assessment(
        company, later_year, owner, prefill=False, index_version=SYNTHETIC
    )
    services.confirm_profile(later)
    for step in index.steps:
        values = {
            i: {"current": LATER_LEVELS.get(i, 1), "target": 5, "evidence": "", "action": ""}
            for i in step.item_ids
        }
        assert services.save_step(later, step, values, 0, owner) is None
    assert services.submit(later, later.version, owner)

    def load_mapping():
        result = runner.invoke(
            args=["index", "load-mapping", str(FIXTURES / "2019-07_to_synthetic-2026.yaml")]
        )
        assert result.exit_code == 0, result.output
        db.session.expire_all()

    return owner, company, set_year, later_year, load_mapping


def _target_rows(page, set_year: int) -> dict[str, list[str]]:
    """The progress page's table of the targets set in ``set_year``: {item id: row}."""
    sets = [
        d
        for d in page.select("details.qual-set")
        if d.summary.strong.get_text() == f"{set_year}年度に設定した目標"
    ]
    assert len(sets) == 1
    rows = page.table(f"details.qual-set:has(strong:-soup-contains('{set_year}年度に設定')) table")
    return {row[0].split(" ")[0]: row for row in rows[1:]}


def _counts(ul) -> dict[str, int]:
    return {
        li.select_one(".label").get_text(strip=True): int(li.strong.get_text())
        for li in ul.select("li")
    }


def test_targets_follow_the_mapping_on_the_progress_page(client_request, two_versions):
    owner, company, set_year, later_year, load_mapping = two_versions
    client_request.login(owner)
    total = load_index("2019-07").item_count

    # Without a mapping every item is 比較不可 in the later year (not 実績未入力, not データなし).
    page = client_request.get("progress.company", company_id=company.id)
    rows = _target_rows(page, set_year)
    assert len(rows) == total
    # 項目, 設定年度, 目標, その後の現在値, 状態, 推移
    assert {row[4] for row in rows.values()} == {"比較不可"}
    assert rows["1"][3] == f"{later_year}年度: 比較不可"

    load_mapping()
    page = client_request.get("progress.company", company_id=company.id)
    rows = _target_rows(page, set_year)
    assert rows["1"][1:5] == ["2", "3", f"{later_year}年度: 3 （対応項目 A1）", "達成"]
    # A split: the lower of B1 (3) and B1-1 (2) is the level; 2 -> 3 not started: behind.
    assert rows["4"][3] == f"{later_year}年度: 2 （対応項目 B1・B1-1の最低）"
    assert rows["4"][4] == "遅れ"
    # A merge (8 and 9 into C1) continues neither; item 2 has no counterpart at all.
    for item_id in ("8", "9", "2"):
        assert rows[item_id][3:5] == [f"{later_year}年度: 比較不可", "比較不可"], item_id
    summary = page.select_one(
        f"details.qual-set:has(strong:-soup-contains('{set_year}年度')) summary"
    )
    assert f"達成 1 / 順調 0 / 遅れ 1 / 実績未入力 0 / データなし 0 / 比較不可 {total - 2}" in (
        " ".join(summary.get_text().split())
    )


def test_dashboard_counts_running_targets_with_not_comparable(client_request, two_versions):
    owner, company, set_year, later_year, load_mapping = two_versions
    load_mapping()
    client_request.login(owner)
    page = client_request.get("companies.dashboard", company_id=company.id)
    section = page.select_one("section:has(> h2:-soup-contains('定量指標と進捗'))")
    headings = [h.get_text(strip=True) for h in section.select("h3")]
    assert headings == [
        f"定性指標の目標（{later_year}年度に設定、{later_year + 3}年度目標）",
        f"定性指標の目標（{set_year}年度に設定、{set_year + 3}年度目標）",
    ]
    newest, older = (_counts(ul) for ul in section.select("ul.status-counts"))
    total = load_index("2019-07").item_count
    assert older == {
        "達成": 1, "順調": 0, "遅れ": 1, "実績未入力": 0, "データなし": 0, "比較不可": total - 2
    }  # fmt: skip
    # The later year's own targets: nothing due yet, one version only: no 比較不可 tile.
    assert newest == {"達成": 0, "順調": 0, "遅れ": 0, "実績未入力": 0, "データなし": 12}
    assert "比較不可" in section.select_one("p.hint").get_text()


def test_history_page_reads_older_years_through_the_mapping(client_request, two_versions):
    owner, company, set_year, later_year, load_mapping = two_versions
    client_request.login(owner)
    page = client_request.get("progress.history", company_id=company.id)
    table = page.table("details.history-targets table")
    header = table[0]
    assert header[1:] == [f"{set_year}年度 現在 → 目標", f"{later_year}年度 現在 → 目標"]
    rows = {row[0].split(" ")[0]: row for row in table[1:]}
    assert len(rows) == 12  # the newest version's items
    assert rows["A1"][1:] == ["比較不可", "3 → 5"]  # no mapping stored yet

    load_mapping()
    page = client_request.get("progress.history", company_id=company.id)
    rows = {row[0].split(" ")[0]: row for row in page.table("details.history-targets table")[1:]}
    assert rows["A1"][1:] == ["2 → 3 （項目 1）", "3 → 5"]
    assert rows["B1-1"][1:] == ["2 → 3 （項目 4）", "2 → 5"]  # a split keeps the old levels
    assert rows["C1"][1:] == ["比較不可", "4 → 5"]  # a merge has no single earlier item
    assert rows["A1-1"][1:] == ["比較不可", "1 → 5"]  # no counterpart
