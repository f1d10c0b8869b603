"""The indicator page reads its next cycle and whether it has target revisions with the indicator
(kpis.services.DETAIL): an indicator with neither runs no statement for them, and one with them
still shows them (issue 16, bench/README "KPI detail")."""

from sqlalchemy import event

from tests.integration.kpi_helpers import make_indicator, post_form, post_values, this_fiscal_year
from tests.pages import Page

REVISIONS_READ = "SELECT kpi_target_revisions."


def _get_counted(db, client, url):
    client.get(url)  # warm: first-use caches are not per request
    statements = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(" ".join(statement.split()))

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        response = client.get(url)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert response.status_code == 200
    return Page(response), statements


def _reads(statements, start) -> int:
    return sum(1 for s in statements if s.startswith(start))


def _cycles_listed(page) -> list[str]:
    return page.texts('section:has(> h2:-soup-contains("サイクル")) ol li')


def test_an_indicator_without_revisions_or_other_cycles_needs_three_statements(
    client, db, owner_company
):
    owner, company = owner_company
    people = make_indicator(company, owner)
    post_values(client, people.id, {this_fiscal_year() - 1: "12"})
    page, statements = _get_counted(db, client, f"/kpis/{people.id}")
    # The user, the indicator (with its company, access, next cycle and revisions flag), values.
    assert len(statements) == 3, statements
    assert _reads(statements, REVISIONS_READ) == 0
    assert "目標の変更はありません。" in page.texts("main p.muted")
    assert _cycles_listed(page) == []


def test_revisions_and_the_next_cycle_are_still_read_and_shown(client, db, owner_company):
    owner, company = owner_company
    fy = this_fiscal_year()
    people = make_indicator(company, owner)
    detail = f"/kpis/{people.id}"
    post_values(client, people.id, {fy - 2: "10"})
    response = post_form(
        client,
        detail,
        f"{detail}/revise",
        {"revise-target_value": "25", "revise-target_year": str(fy), "revise-reason": "増員"},
    )
    assert response.status_code == 302
    page, statements = _get_counted(db, client, detail)
    assert _reads(statements, REVISIONS_READ) == 1
    [revision] = page.table('section:has(> h2:-soup-contains("目標の変更履歴")) table')[1:]
    assert revision[-1] == "増員"

    post_values(client, people.id, {fy - 1: "15", fy: "19"})
    response = post_form(client, detail, f"{detail}/cycle", {"cycle-target_value": "40"})
    assert response.status_code == 302
    successor = response.headers["Location"].rsplit("/", 1)[-1]
    expected = [f"第1サイクル（{fy - 3}〜{fy}年度）", f"第2サイクル（{fy}〜{fy + 3}年度）"]
    old_page, _ = _get_counted(db, client, detail)  # its next cycle, read with it
    assert _cycles_listed(old_page) == expected
    new_page, _ = _get_counted(db, client, f"/kpis/{successor}")  # its previous cycle
    assert _cycles_listed(new_page) == expected
