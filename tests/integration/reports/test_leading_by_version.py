"""The share of 先行企業 follows each index version's own rule from its data, and is not shown
for a version that defines none (page, CSV, .xlsx)."""

import re
from pathlib import Path

import pytest

from tests.integration.reports.conftest import csv_tables, page_tables, xlsx_tables

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "index_versions"
SYNTHETIC_FILE = FIXTURES / "synthetic-2026.yaml"
SUMMARY = "全体と枠組み別の成熟度（関東経済産業局）"


def _load(app, path):
    result = app.test_cli_runner().invoke(args=["index", "load", str(path)])
    assert result.exit_code == 0, result.output


def _without_rule(tmp_path) -> Path:
    text = SYNTHETIC_FILE.read_text(encoding="utf-8")
    text = re.sub(r"\nleading_rule:\n(  .*\n)+", "\n", text)
    assert "leading_rule" not in text
    path = tmp_path / "synthetic-norule.yaml"
    path.write_text(text.replace("version_id: synthetic-2026", "version_id: synthetic-norule"))
    return path


def _summary_rows(session):
    page = session.get("reports.index")
    csv_body = session.client.get(session.url("reports.export_csv")).get_data(as_text=True)
    xlsx_body = session.client.get(session.url("reports.export_xlsx")).get_data()
    tiles = {
        t.select_one(".label").get_text(): t.get_text(" ", strip=True)
        for t in page.select(".score-tile")
    }
    return tiles, [
        {row[0]: row[1:] for row in tables[SUMMARY][1:]}
        for tables in (page_tables(page), csv_tables(csv_body), xlsx_tables(xlsx_body))
    ]


@pytest.mark.parametrize("rule", ["synthetic", "none"])
def test_leading_share_uses_the_versions_own_rule(
    app, tmp_path, submitted, release, bureau_client, rule
):
    path = SYNTHETIC_FILE if rule == "synthetic" else _without_rule(tmp_path)
    version = "synthetic-2026" if rule == "synthetic" else "synthetic-norule"
    _load(app, path)
    small = {"jsic": "E", "employees": 10, "capital_yen": 5_000_000}
    # every item at one level; the synthetic rule is "mean current >= 4" (2019's is >= 3)
    for level in (4, 4, 3, 5, 2):
        submitted("13", level, 5, version=version, **small)
    release(version=version)
    tiles, formats = _summary_rows(bureau_client())
    # a missing figure is "—" on the page and an empty cell in the CSV and the .xlsx
    for rows, empty in zip(formats, ("—", "", ""), strict=True):
        overall = rows["全体（12項目）"] + [""] * 7
        assert overall[:2] == ["5", "3.60"]
        # 3 of 5 reach 4: 60.0 (2019's rule would give 80.0); no rule: not shown
        assert overall[5] == ("60.0" if rule == "synthetic" else empty)
    if rule == "synthetic":
        assert (
            tiles["先行企業の割合"]
            == "先行企業の割合 60.0% 現在値の平均が4以上（試験用の架空の規則）"
        )
    else:
        assert tiles["先行企業の割合"] == (
            "先行企業の割合 — この版の指標には先行企業の基準がありません"
        )


def test_leading_share_of_one_framework_on_the_target_scale(
    app, tmp_path, submitted, release, bureau_client
):
    """A rule on one framework's target levels counts those and no others: only 柱B's target
    means (4, 5, 3, 2, 4) give 3 of 5; every other framework, scale or the overall mean gives
    0 % or 100 % here."""
    text = SYNTHETIC_FILE.read_text(encoding="utf-8")
    text = text.replace("  scale: current\n  scope: overall\n", "  scale: target\n  scope: P2\n")
    assert "scope: P2" in text
    path = tmp_path / "synthetic-p2-target.yaml"
    path.write_text(text.replace("version_id: synthetic-2026", "version_id: synthetic-p2"))
    _load(app, path)
    small = {"jsic": "E", "employees": 10, "capital_yen": 5_000_000}
    for p2_target in (4, 5, 3, 2, 4):
        current = {"A": 0, "B": 5, "C": 0}
        target = {"A": 1, "B": p2_target, "C": 0}
        submitted(
            "13",
            lambda item, levels=current: levels[item[0]],
            lambda item, levels=target: levels[item[0]],
            version="synthetic-p2",
            **small,
        )
    release(version="synthetic-p2")
    _tiles, formats = _summary_rows(bureau_client())
    for rows in formats:
        assert rows["全体（12項目）"][5] == "60.0"
