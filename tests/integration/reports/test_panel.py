"""Panel year over year (companies that submitted in both years): hand-computed figures on the
page, the CSV and the .xlsx; across a mapped index version change (比較不可 where nothing maps);
and the attacks on it: panel minus its cell, the previous year's release minus the panel's
previous-year side, a reopen of the previous year between two releases."""

import random
from pathlib import Path

import pytest
from sqlalchemy import select

from app.reports import panel as panel_module
from app.reports.services import CARRIED_TEXT, SUPPRESSED_TEXT
from tests.integration.reports.conftest import csv_tables, page_tables, xlsx_tables

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "index_versions"
SYNTHETIC = "synthetic-2026"
TITLE = "前年度との比較（両年度に提出した企業のみ、関東経済産業局）"
SMALL = {"jsic": "E", "employees": 10, "capital_yen": 5_000_000}
CURRENT_2024 = (1, 2, 3, 2, 1)
TARGET_2024 = (3, 3, 4, 3, 3)
CURRENT_2025 = (2, 2, 4, 3, 2)
TARGET_2025 = (3, 4, 4, 4, 3)
# Means of the five companies (every item of a company has the same level):
# current 9/5 -> 13/5, target 16/5 -> 18/5
HAND = ["5", "1.80", "2.60", "0.80", "3.20", "3.60", "0.40"]


def _rows(table):
    """Rows by label; the .xlsx drops a trailing empty 備考, so it is put back."""
    return {
        row[0]: row[1:] + [""] * (row[1:] != [SUPPRESSED_TEXT] and len(row) == 8)
        for row in table[1:]
    }


def _five_panel_companies(submitted, release, version_2025=None):
    companies = [
        submitted("13", c, t, year=2024, **SMALL)
        for c, t in zip(CURRENT_2024, TARGET_2024, strict=True)
    ]
    release(2024)
    for company, c, t in zip(companies, CURRENT_2025, TARGET_2025, strict=True):
        extra = {"version": version_2025} if version_2025 else {}
        submitted("13", c, t, year=2025, company=company, **extra)
    return companies


def _all_formats(session, **query):
    page = session.get("reports.index", **query)
    csv_body = session.client.get(session.url("reports.export_csv", **query)).get_data(as_text=True)
    xlsx_body = session.client.get(session.url("reports.export_xlsx", **query)).get_data()
    return page_tables(page), csv_tables(csv_body), xlsx_tables(xlsx_body)


def test_panel_figures_are_the_hand_computed_ones_on_page_csv_and_xlsx(
    submitted, release, bureau_client
):
    _five_panel_companies(submitted, release)
    release(2025)
    session = bureau_client()
    for tables in _all_formats(session):
        rows = _rows(tables[TITLE])
        assert rows["全体"] == [*HAND, ""]
        # every item of a company has one level, so every framework and group is the same
        assert rows["DX推進の枠組み"] == [*HAND, ""]
        assert rows["ITシステム構築の枠組み"] == [*HAND, ""]
        assert tables[TITLE][0][2:4] == ["2024年度 現在値の平均", "2025年度 現在値の平均"]
    # the national account sees the same panel for the nation (the same five companies)
    national = bureau_client("national")
    tables = page_tables(national.get("reports.index"))
    assert _rows(tables["前年度との比較（両年度に提出した企業のみ、全国）"])["全体"][:7] == HAND


def test_panel_is_hidden_when_its_cell_minus_the_panel_is_under_five(
    submitted, release, bureau_client
):
    _five_panel_companies(submitted, release)
    # two first-time submitters: 関東 (7) minus its panel (5) would give their sum
    submitted("13", 5, 5, year=2025, **SMALL)
    submitted("13", 5, 5, year=2025, **SMALL)
    release(2025)
    for tables in _all_formats(bureau_client()):
        assert _rows(tables[TITLE]) == {"全体": [SUPPRESSED_TEXT]}


def test_panel_is_published_when_the_rest_of_its_cell_has_five(submitted, release, bureau_client):
    _five_panel_companies(submitted, release)
    for _ in range(5):
        submitted("13", 5, 5, year=2025, **SMALL)
    release(2025)
    tables = page_tables(bureau_client().get("reports.index"))
    assert _rows(tables[TITLE])["全体"][:7] == HAND


@pytest.mark.parametrize("rule_on", [True, False], ids=["rule", "negative-control"])
def test_previous_year_release_minus_panel_recovers_no_dropout(
    submitted, release, bureau_client, monkeypatch, rule_on
):
    """2024: six companies released; 2025: five of them again (plus five new). The 2024 figure
    times 6 minus the panel's 2024 side times 5 would be the sixth company's mean."""
    companies = [
        submitted("13", c, t, year=2024, **SMALL)
        for c, t in zip((*CURRENT_2024, 4), (*TARGET_2024, 5), strict=True)
    ]
    release(2024)
    for company, c, t in zip(companies[:5], CURRENT_2025, TARGET_2025, strict=True):
        submitted("13", c, t, year=2025, company=company)
    for _ in range(5):
        submitted("13", 5, 5, year=2025, **SMALL)
    if not rule_on:
        monkeypatch.setattr(panel_module, "_previous_year_breaches", lambda *a, **k: set())
    release(2025)
    session = bureau_client()
    before = _rows(
        page_tables(session.get("reports.index", year="2024"))[
            "全体と枠組み別の成熟度（関東経済産業局）"
        ]
    )
    n_before, mean_before = int(before["全体（35項目）"][0]), float(before["全体（35項目）"][1])
    rows = _rows(page_tables(session.get("reports.index", year="2025"))[TITLE])
    if rule_on:
        assert rows == {"全体": [SUPPRESSED_TEXT]}
    else:
        n_panel, panel_before = int(rows["全体"][0]), float(rows["全体"][1])
        recovered = n_before * mean_before - n_panel * panel_before
        assert abs(recovered - 4) < 0.05  # the dropout's level: the attack works without it


def test_reopen_of_the_previous_year_does_not_move_the_panel(
    submitted, release, bureau_client, resubmit
):
    companies = _five_panel_companies(submitted, release)
    for _ in range(5):
        submitted("13", 5, 5, year=2025, **SMALL)
    release(2025)
    session = bureau_client()
    first = _rows(page_tables(session.get("reports.index"))[TITLE])["全体"]
    assert first[:7] == HAND
    # one panel company changes its 2024 answers; the 2025 cells themselves are unchanged
    resubmit(companies[0], 0, 0, year=2024)
    release(2025)
    again = _rows(page_tables(session.get("reports.index"))[TITLE])["全体"]
    assert again[:7] == HAND  # the earlier value, not a difference of one company
    assert again[7].startswith(str(CARRIED_TEXT))  # a lazy string: its Japanese text


def _load_synthetic(app, with_mapping=True):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["index", "load", str(FIXTURES / f"{SYNTHETIC}.yaml")])
    assert result.exit_code == 0, result.output
    if with_mapping:
        mapping = FIXTURES / f"2019-07_to_{SYNTHETIC}.yaml"
        result = runner.invoke(args=["index", "load-mapping", str(mapping)])
        assert result.exit_code == 0, result.output


@pytest.mark.parametrize("with_mapping", [True, False], ids=["mapped", "no-mapping"])
def test_panel_across_index_versions_uses_only_mapped_items(
    app, submitted, release, bureau_client, with_mapping
):
    _load_synthetic(app, with_mapping)
    _five_panel_companies(submitted, release, version_2025=SYNTHETIC)
    release(2025, version=SYNTHETIC)
    for tables in _all_formats(bureau_client()):
        rows = _rows(tables[TITLE])
        if with_mapping:
            # A1 <- 1, B1 and B1-1 <- 4 correspond; C1 (a merge) and the rest do not
            note = "前年度は指標 2019-07: 対応する3項目のみ比較"
            assert rows["全体"] == [*HAND, note]
            assert rows["柱A 試験用の経営"] == [*HAND, note]
            assert rows["柱B 試験用の人材"] == [*HAND, note]
            assert rows["柱C 試験用の基盤"] == ["5", *["比較不可"] * 6, note]
        else:
            note = "前年度は指標 2019-07: 対応する0項目のみ比較"
            assert set(rows) >= {"全体", "柱A 試験用の経営"}
            assert all(r == ["5", *["比較不可"] * 6, note] for r in rows.values())


def test_national_account_sees_every_bureau_side_by_side(submitted, release, bureau_client):
    """関東 (5 in 東京) and 近畿 (5 in 大阪) beside each other by framework, the same figures
    as each bureau's own page, and a bar per bureau with its text for screen readers."""
    _five_panel_companies(submitted, release)  # 2024 and 2025 in 東京
    for c, t in zip((3, 3, 3, 4, 4), (4, 4, 5, 5, 5), strict=True):
        submitted("27", c, t, **SMALL)
    release(2025)
    national = bureau_client("national")
    page = national.get("reports.index")
    table = page_tables(page)["経済産業局別・枠組み別の平均レベル（各局を並べて比較）"]
    assert table[0][:4] == [
        "経済産業局",
        "企業数",
        "DX推進の枠組み 現在値の平均",
        "DX推進の枠組み 目標値の平均",
    ]
    rows = {row[0]: row[1:] for row in table[1:]}
    assert rows["関東経済産業局"][:5] == ["5", "2.60", "3.60", "2.60", "3.60"]
    assert rows["近畿経済産業局"][:5] == ["5", "3.40", "4.60", "3.40", "4.60"]
    assert rows["北海道経済産業局"] == [SUPPRESSED_TEXT]
    bars = {g.title.get_text() for g in page.select("figure.distribution g")}
    assert "関東経済産業局: 現在値の平均 2.60、目標値の平均 3.60" in bars
    assert "北海道経済産業局: 非公表" in bars
    csv_body = national.client.get(national.url("reports.export_csv")).get_data(as_text=True)
    assert csv_tables(csv_body)["経済産業局別・枠組み別の平均レベル（各局を並べて比較）"] == table


def test_summed_panel_figures_equal_the_plain_definition_bit_for_bit(app, submitted, release):
    """Means like 73/35 are no dyadic fractions: the database's exact sums of them (in fixed
    point, panel_figures.summed_figures_by_cell) must give the same floats as the mean of the
    companies' means taken in Python from the answers (panel_figures.cell_figures)."""
    from app.extensions import db
    from app.models import ReleaseCell, ReleaseMember
    from app.reports import panel_figures
    from questionnaires import DEFAULT_VERSION, load_index

    rng = random.Random(13)
    levels = {}  # (company number, year) -> item -> (current, target)

    def answers(n, year, side):
        table = levels.setdefault((n, year), {})

        def level(item_id):
            if item_id not in table:
                current = rng.randint(0, 4)
                table[item_id] = (current, rng.randint(current, 5))
            return table[item_id][side]

        return level

    companies = []
    for n in range(12):
        prefecture = ("13", "14", "11")[n % 3]
        companies.append(
            submitted(prefecture, answers(n, 2024, 0), answers(n, 2024, 1), year=2024, **SMALL)
        )
    release(2024)
    for n, company in enumerate(companies):
        submitted("13", answers(n, 2025, 0), answers(n, 2025, 1), year=2025, company=company)
    release_id = release(2025)

    with app.app_context():
        index = load_index(DEFAULT_VERSION)
        pairs = panel_module.stored_pairs_with_versions(release_id)
        means = panel_figures.company_means(release_id, pairs, index)  # from the answers
        members = db.session.scalars(
            select(ReleaseMember.company_id).where(ReleaseMember.release_id == release_id)
        ).all()
        plain = panel_figures.cell_figures(members, means, pairs, index)
        stored = db.session.scalar(
            select(ReleaseCell.figures).where(
                ReleaseCell.release_id == release_id, ReleaseCell.cell_key == "panel|all"
            )
        )
    assert stored is not None and stored["n"] == 12
    fractions = [
        means[cid]["overall"][0] for cid in members if means[cid]["overall"][0] is not None
    ]
    assert any(value.as_integer_ratio()[1] > 64 for value in fractions)  # not dyadic
    assert stored["parts"] == plain["parts"]  # exact float equality, every part and side


def _whole_previous_year(release_id, earlier_id, sides):
    """The previous year's release read whole (the form _previous_year_overlays replaced)."""
    from app.reports.build_context import stored_cell_members

    cells = stored_cell_members([earlier_id])[earlier_id]
    pairs = panel_module.stored_pairs_with_versions(earlier_id)
    panels = {key: {c: s for c, s in m.items() if c in pairs} for key, m in cells.items()}
    return cells, panels


def test_previous_year_overlays_decide_as_the_release_read_whole(
    app, submitted, release, resubmit, monkeypatch
):
    from app.extensions import db

    """Companies that submitted in 2023, 2024 and 2025 have the same cells in the 2024 release
    and in the 2025 panel, so only a dropout, a move, a reopened 2024 and the newcomers of 2024
    (first submitters then, repeat now) differ: the previous-year check finds the same breaches
    from those as from the 2024 release read whole."""

    def three_years(prefecture, n, first=2023):
        companies = []
        for _ in range(n):
            company = submitted(prefecture, 2, 3, year=first, **SMALL)
            for year in range(first + 1, 2025):
                submitted(prefecture, 2, 3, year=year, company=company)
            companies.append(company)
        return companies

    kanagawa, tokyo, osaka = three_years("14", 7), three_years("13", 6), three_years("27", 6)
    newcomers = three_years("13", 2, first=2024)  # first submitters in 2024, in 東京 too
    release(2024)
    moved = kanagawa[6]
    moved.prefecture_code = "13"  # 神奈川 -> 東京 between the two years
    db.session.commit()
    for company in kanagawa[:5] + [moved] + tokyo + osaka + newcomers:  # one dropout in 神奈川
        submitted(company.prefecture_code, 3, 4, year=2025, company=company)
    resubmit(osaka[0], 0, 1, year=2024)  # 2024 reopened and submitted again
    results = []
    checked = panel_module._previous_year_breaches

    def both(ctx, panel_members, k):
        found = checked(ctx, panel_members, k)
        with monkeypatch.context() as patch:
            patch.setattr(panel_module, "_previous_year_overlays", _whole_previous_year)
            results.append((found, checked(ctx, panel_members, k)))
        return found

    monkeypatch.setattr(panel_module, "_previous_year_breaches", both)
    release(2025)
    [(found, whole)] = results
    assert found == whole
    # a dropout and a move in 神奈川; a reopened previous year in 大阪; the move into 東京
    assert {"panel|p:14", "panel|p:27", "panel|p:13"} <= found
