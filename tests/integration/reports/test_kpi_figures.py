"""Quantitative indicators in the bureau reports (app/reports/kpi_figures.py): hand-computed
counts of companies per example indicator and status on the page, the CSV and the .xlsx; the
figures are those of release time; suppression under five companies; the release check covers
the indicator cells; and the attack: one company that chose a rare indicator joins between two
releases, and the attacker compares every view of both releases through both accounts."""

from decimal import Decimal

import pytest

from app.extensions import db as _db
from app.kpis import services as kpi_services
from app.models import ReleaseCell, ReleaseKpiMember
from app.models._time import utcnow
from app.reports import kpi_figures
from app.reports.cells import filter_choices
from app.reports.services import CARRIED_TEXT, SUPPRESSED_TEXT
from tests.integration.kpi_helpers import make_indicator, this_fiscal_year
from tests.integration.reports.conftest import INDEX, csv_tables, page_tables, xlsx_tables

E1, E2, E3 = (e.id for e in INDEX.kpi_examples[:3])
LABEL = {e.id: f"{e.id} {e.name}" for e in INDEX.kpi_examples} | {
    "own": "独自の指標（例にない指標）"
}
TITLE = "選ばれた定量指標と進み具合（企業数、関東経済産業局）"
NATIONAL_TITLE = "選ばれた定量指標と進み具合（企業数、全国）"
HEADER = [
    "定量指標の例",
    "選んだ企業数",
    "達成",
    "順調",
    "遅れ",
    "実績未入力",
    "データなし",
    "備考",
]

# baseline fy-3 = 5, target fy = 20; as of fy the actual of fy-1 is due (expected 2/3)
ACHIEVED, ON_TRACK, BEHIND = Decimal(20), Decimal(15), Decimal(6)  # 15: exactly on the line


def _indicator(company, owner, example, actual=None, n=0, **fields):
    fy = this_fiscal_year()
    indicator = make_indicator(
        company, owner, name=f"指標{example}{n}", example_id=example, **fields
    )
    if actual is not None:
        kpi_services.save_values(indicator, {fy - 1: actual}, owner)
    return indicator


def _no_data(company, owner, example, n=0):
    """Nothing due yet: the baseline is last year, the target three years on."""
    fy = this_fiscal_year()
    return _indicator(company, owner, example, n=n, baseline_year=fy - 1, target_year=fy + 2)


def _hand_set(submitted, owner):
    """Five 関東 companies; E1: achieved, on track, on track, behind, missing (+ a second E1
    indicator with nothing due: the company stays 'missing', its least favourable); own: four
    with nothing due, one behind; E2: one company only; one E3 indicator archived."""
    companies = [submitted("13", 2, 3) for _ in range(5)]
    for company, actual in zip(
        companies, (ACHIEVED, ON_TRACK, ON_TRACK, BEHIND, None), strict=True
    ):
        _indicator(company, owner, E1, actual)
        if actual is None:
            _no_data(company, owner, E1, n=1)
    for company in companies[:4]:
        _no_data(company, owner, None)
    _indicator(companies[4], owner, None, BEHIND)
    _indicator(companies[0], owner, E2, ACHIEVED)
    archived = _indicator(companies[1], owner, E3, ACHIEVED)
    archived.archived_at = utcnow()
    _db.session.commit()
    return companies


HAND_E1 = ["5", "1", "2", "1", "1", "0", ""]
HAND_OWN = ["5", "0", "0", "1", "0", "4", ""]


def _rows(table):
    """Rows by label; the .xlsx drops a trailing empty 備考, so it is put back."""
    result = {}
    for row in table[1:]:
        values = row[1:]
        if values != [SUPPRESSED_TEXT] and len(values) == 6:
            values = [*values, ""]
        result[row[0]] = values
    return result


def _all_formats(session, **query):
    page = session.get("reports.index", **query)
    csv_body = session.client.get(session.url("reports.export_csv", **query)).get_data(as_text=True)
    xlsx_body = session.client.get(session.url("reports.export_xlsx", **query)).get_data()
    return page_tables(page), csv_tables(csv_body), xlsx_tables(xlsx_body)


def test_indicator_figures_are_the_hand_computed_ones_on_page_csv_and_xlsx(
    submitted, owner, release, bureau_client
):
    _hand_set(submitted, owner)
    release()
    for tables in _all_formats(bureau_client()):
        table = tables[TITLE]
        assert table[0] == HEADER
        rows = _rows(table)
        assert list(rows) == [*(e.id and LABEL[e.id] for e in INDEX.kpi_examples), LABEL["own"]]
        assert rows[LABEL[E1]] == HAND_E1
        assert rows[LABEL["own"]] == HAND_OWN
        assert rows[LABEL[E2]] == [SUPPRESSED_TEXT]  # one company: under five
        assert rows[LABEL[E3]] == [SUPPRESSED_TEXT]  # archived only: nobody
    national = page_tables(bureau_client("national").get("reports.index"))
    assert _rows(national[NATIONAL_TITLE])[LABEL[E1]] == HAND_E1
    # the chart: one bar per published row, a text alternative each, segments by count
    page = bureau_client().get("reports.index")
    section = page.select_one("table[data-table=kpis]").find_parent("section")
    bars = section.select("figure svg g")
    assert [" ".join(b.title.get_text().split()) for b in bars] == [
        f"{LABEL[E1]}: 5社（達成 1、順調 2、遅れ 1、実績未入力 1、データなし 0）",
        f"{LABEL['own']}: 5社（達成 0、順調 0、遅れ 1、実績未入力 0、データなし 4）",
    ]
    widths = [[float(r["width"]) for r in b.select("rect")] for b in bars]
    assert widths == [[60.0, 120.0, 60.0, 60.0], [60.0, 240.0]]


def test_xlsx_sheet_has_the_page_title_and_neutralised_text(
    submitted, owner, release, bureau_client, monkeypatch
):
    _hand_set(submitted, owner)
    release()
    # a label starting with '=' (as a future catalogue might) is written as text, not a formula
    monkeypatch.setattr(kpi_figures, "OWN_LABEL", "=HYPERLINK(1)")
    session = bureau_client()
    raw = session.client.get(session.url("reports.export_xlsx")).get_data()
    tables = xlsx_tables(raw)
    assert tables[TITLE][0] == HEADER
    assert "'=HYPERLINK(1)" in _rows(tables[TITLE])
    body = session.client.get(session.url("reports.export_csv")).get_data(as_text=True)
    assert "'=HYPERLINK(1)" in _rows(csv_tables(body)[TITLE])


def test_a_later_change_of_a_company_does_not_move_a_published_figure(
    submitted, owner, release, bureau_client, app
):
    companies = _hand_set(submitted, owner)
    release_id = release()
    stored = _db.session.scalar(
        _db.select(_db.func.count())
        .select_from(ReleaseKpiMember)
        .where(ReleaseKpiMember.release_id == release_id)
    )
    assert stored == 5 + 5 + 1  # E1 and own for five companies, E2 for one; not the archived
    # the behind company catches up and another one adds an own indicator
    indicator = next(
        i for i in kpi_services.active_indicators(companies[3].id) if i.example_id == E1
    )
    kpi_services.save_values(indicator, {this_fiscal_year() - 1: ACHIEVED}, owner)
    _indicator(companies[0], owner, E2, n=2)
    session = bureau_client()
    rows = _rows(page_tables(session.get("reports.index"))[TITLE])
    assert rows[LABEL[E1]] == HAND_E1
    # the check sees the changed E1 cells as changed, not as differences
    result = app.test_cli_runner().invoke(args=["reports", "check", "--release", str(release_id)])
    assert result.exit_code == 0, result.output


def test_check_covers_indicator_and_panel_cells_and_fails_when_tampered(
    submitted, owner, release, app
):
    companies = _hand_set(submitted, owner)
    release(2024)  # nothing in 2024: the 2025 panel has the five companies after this
    for company in companies:
        submitted("13", 3, 4, year=2024, company=company)
    for _ in range(5):
        submitted("13", 1, 2)  # the rest of 関東 besides the panel
    release_id = release()
    published = set(
        _db.session.scalars(
            _db.select(ReleaseCell.cell_key).where(
                ReleaseCell.release_id == release_id, ReleaseCell.status == "published"
            )
        )
    )
    assert "panel|b:kanto" in published and f"kpi:{E1}|b:kanto" in published
    runner = app.test_cli_runner()
    result = runner.invoke(args=["reports", "check", "--release", str(release_id)])
    assert result.exit_code == 0, result.output
    assert int(result.output.split(" cells")[0]) == len(published)
    for key, change in ((f"kpi:{E1}|b:kanto", "statuses"), ("panel|b:kanto", "n")):
        cell = _db.session.scalar(
            _db.select(ReleaseCell).where(
                ReleaseCell.release_id == release_id, ReleaseCell.cell_key == key
            )
        )
        figures = dict(cell.figures)
        if change == "n":
            figures["n"] += 1
        else:
            figures["statuses"] = dict(figures["statuses"]) | {"behind": 0}
        cell.figures = figures
    _db.session.commit()
    result = runner.invoke(args=["reports", "check", "--release", str(release_id)])
    assert result.exit_code != 0
    assert f"kpi:{E1}|b:kanto" in result.output and "panel|b:kanto" in result.output


def test_under_five_companies_no_indicator_is_shown(submitted, owner, release, bureau_client):
    companies = [submitted("13", 2, 3) for _ in range(5)]
    for company in companies[:4]:
        _indicator(company, owner, E1, ACHIEVED)
    for _ in range(5):  # the rest of 関東 has five companies, so the line hides nothing else
        submitted("13", 2, 3)
    release()
    rows = _rows(page_tables(bureau_client().get("reports.index"))[TITLE])
    assert rows[LABEL[E1]] == [SUPPRESSED_TEXT]
    assert all(v == [SUPPRESSED_TEXT] for v in rows.values())


def test_the_rest_of_a_cell_under_five_hides_the_row(submitted, owner, release, bureau_client):
    companies = [submitted("13", 2, 3) for _ in range(7)]
    for company in companies[:5]:
        _indicator(company, owner, E1, ACHIEVED)
    release()
    # 関東 (7) minus the five choosing E1 would isolate the two that did not
    rows = _rows(page_tables(bureau_client().get("reports.index"))[TITLE])
    assert rows[LABEL[E1]] == [SUPPRESSED_TEXT]


# -- the attack --------------------------------------------------------------------------------


# Filter values of non-empty cells (every other value selects an empty, so hidden, cell).
TRIED = {"bureau": {"kanto"}, "prefecture": {"13", "14"}, "industry": {"E"}}


def _views(bureau_client):
    """Every (account, filter) view an attacker can read: the 関東 bureau and the national
    account, unfiltered and with each filter value the page offers."""
    for scope in ("kanto", "national"):
        session = bureau_client(scope)
        yield session, scope, {}
        for param, values in filter_choices(scope).items():
            for value, _label in values:
                if value in TRIED.get(param, {value}):
                    yield session, scope, {param: value}


def _observe(bureau_client, release_id, example) -> dict:
    """(scope, filter) -> the example's row on the page (absent: the focus is not shown)."""
    seen = {}
    for session, scope, query in _views(bureau_client):
        tables = page_tables(session.get("reports.index", release=str(release_id), **query))
        caption = next((c for c in tables if c.startswith("選ばれた定量指標")), None)
        if caption is not None:
            seen[(scope, tuple(query.items()))] = _rows(tables[caption])[LABEL[example]]
    return seen


@pytest.mark.parametrize("rule_on", [True, False], ids=["rule", "negative-control"])
def test_a_newcomer_choosing_a_rare_indicator_is_not_revealed(
    submitted, owner, release, bureau_client, monkeypatch, rule_on
):
    """Release 1: ten 東京 companies, five chose E2 (three on track, two behind). Then one
    company in 神奈川 that chose E2 (achieved) and E3 (alone) submits; release 2. Any view's E2
    row in release 2 minus the same view in release 1 would be that company's choice and status
    if it differed by one company."""
    companies = [submitted("13", 2, 3) for _ in range(10)]
    for company, actual in zip(companies[:5], (ON_TRACK,) * 3 + (BEHIND,) * 2, strict=True):
        _indicator(company, owner, E2, actual)
    first = release()
    newcomer = submitted("14", 2, 3)
    _indicator(newcomer, owner, E2, ACHIEVED)
    _indicator(newcomer, owner, E3, ACHIEVED)
    if not rule_on:
        monkeypatch.setattr(
            kpi_figures,
            "publishable",
            lambda members, *a, **k: frozenset(key for key, m in members.items() if m),
        )
    second = release()
    before = _observe(bureau_client, first, E2)
    after = _observe(bureau_client, second, E2)
    assert before[("kanto", ())][:6] == ["5", "0", "3", "2", "0", "0"]
    leaks = []
    for view, row in after.items():
        old = before.get(view)
        if old is None or SUPPRESSED_TEXT in (row[0], old[0]):
            continue
        delta = [int(a) - int(b) for a, b in zip(row[:6], old[:6], strict=True)]
        if 0 < delta[0] < 5:
            leaks.append((view, delta))
    rare = [row for row in after.values() if row[0] != SUPPRESSED_TEXT]
    if rule_on:
        assert leaks == []
        kanto = after[("kanto", ())]
        assert kanto[:6] == ["5", "0", "3", "2", "0", "0"]
        assert kanto[6].startswith(str(CARRIED_TEXT))
        assert all(v == [SUPPRESSED_TEXT] for v in _observe(bureau_client, second, E3).values())
    else:
        # without the rule the attacker gets the newcomer's choice and status (achieved)
        assert (("kanto", ()), [1, 1, 0, 0, 0, 0]) in leaks and rare
