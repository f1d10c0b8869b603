"""The stored company summaries behind /advisor/clients: after each action that changes what
the list shows, the stored row equals a fresh computation (and shows the change); a revoked
grant hides the client; a row of an earlier fiscal year is recomputed when read; the CLI
rebuilds and checks the rows; the list is paged."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from app.advisors import services as advisor_services
from app.advisors.portfolio import PER_PAGE
from app.advisors.summaries import differences
from app.assessments import services
from app.kpis import services as kpi_services
from app.models import AdvisorGrant, CompanySummary
from app.reviews import services as review_services
from tests.integration.advisors.test_portfolio import names, table
from tests.integration.kpi_helpers import make_indicator, this_fiscal_year
from tests.integration.member_helpers import INDEX
from tests.integration.portfolio_helpers import add_client

FY = this_fiscal_year()


def stored(db, company) -> CompanySummary:
    db.session.expire_all()
    return db.session.get(CompanySummary, company.id)


def answer_step(assessment, step, owner, level=2, version=0):
    values = {
        i: {"current": level, "target": level + 1, "evidence": "", "action": ""}
        for i in step.item_ids
    }
    assert services.save_step(assessment, step, values, version, owner) is None


@pytest.fixture()
def client_company(db, make_user, client_request):
    advisor = client_request.login_as("advisor")
    owner = make_user(email="owner@example.jp")
    company = add_client(advisor, "要約テスト株式会社", owner)
    db.session.commit()
    return client_request, advisor, owner, company


def test_each_action_keeps_the_row_equal_to_a_fresh_computation(db, client_company):
    a, advisor, owner, company = client_company
    assessment = services.start_assessment(
        company, FY - 1, owner, prefill=False, index_version="2019-07"
    )
    row = stored(db, company)
    assert (row.state, row.answered, row.fiscal_year) == ("draft", 0, FY - 1)
    assert differences() == []

    services.confirm_profile(assessment)
    first = INDEX.steps[0]
    answer_step(assessment, first, owner)
    assert stored(db, company).answered == len(first.item_ids)
    assert differences() == []

    for step in INDEX.steps[1:]:
        answer_step(assessment, step, owner)
    assert services.submit(assessment, assessment.version, owner)
    row = stored(db, company)
    assert (row.state, row.current_mean, row.target_mean) == ("submitted", 2.0, 3.0)
    assert differences() == []

    db.session.refresh(assessment)
    assert services.reopen(assessment, assessment.version, owner)
    row = stored(db, company)
    assert row.state == "draft" and row.current_mean == 2.0  # the last submitted version
    assert differences() == []

    missing = row.missing
    indicator = make_indicator(company, owner)
    assert stored(db, company).missing == missing + 1  # no actual for the year that ended
    assert differences() == []
    kpi_services.save_values(indicator, {FY - 1: Decimal(19)}, owner)
    assert stored(db, company).missing == missing
    assert differences() == []

    point = review_services.add_comment(assessment, INDEX.items[0].id, advisor, "根拠は？", None)
    assert stored(db, company).open_points == 1
    assert differences() == []
    assert review_services.resolve_point(point, assessment, owner)
    assert stored(db, company).open_points == 0
    assert differences() == []

    [listed] = table(a.get("advisors.clients"))
    assert (listed["name"], listed["状態"]) == ("要約テスト株式会社", "回答中 35/35項目")


def test_a_step_save_updates_its_draft_and_a_save_in_an_older_year_recomputes(db, client_company):
    """The step save's short path (answered count and last activity only) and its fallback."""
    a, advisor, owner, company = client_company
    latest = services.start_assessment(
        company, FY - 1, owner, prefill=False, index_version="2019-07"
    )
    services.confirm_profile(latest)
    first, second = INDEX.steps[0], INDEX.steps[1]
    answer_step(latest, first, owner)
    before = stored(db, company)
    assert (before.assessment_id, before.answered) == (latest.id, len(first.item_ids))
    active_before = before.last_activity
    answer_step(latest, second, owner)
    row = stored(db, company)
    assert row.answered == len(first.item_ids) + len(second.item_ids)
    assert row.last_activity >= active_before
    assert differences() == []

    older = services.start_assessment(
        company, FY - 2, owner, prefill=False, index_version="2019-07"
    )
    services.confirm_profile(older)
    answer_step(older, first, owner)
    row = stored(db, company)
    assert (row.assessment_id, row.fiscal_year) == (latest.id, FY - 1)  # still the latest year
    assert row.answered == len(first.item_ids) + len(second.item_ids)
    assert differences() == []


def test_revoking_the_grant_hides_the_client(db, client_company):
    a, advisor, owner, company = client_company
    assert names(a.get("advisors.clients")) == ["要約テスト株式会社"]
    grant = db.session.scalar(db.select(AdvisorGrant).where(AdvisorGrant.company_id == company.id))
    advisor_services.revoke_grant(company, grant.id, owner)
    page = a.get("advisors.clients")
    assert names(page) == [] and page.select_one("table.client-table") is None
    assert (
        a.get("advisors.portfolio_view")
        .text("p.hint")
        .startswith("アクセスを許可された顧客企業（0社）")
    )
    assert differences() == []  # the row stays; the grant decides who sees it


def test_a_row_of_an_earlier_fiscal_year_is_recomputed_when_read(db, client_company):
    a, _, _, company = client_company
    a.get("advisors.clients")
    row = stored(db, company)
    row.behind, row.next_year_starts = 7, date.today() - timedelta(days=1)
    db.session.commit()
    assert differences() != []
    [listed] = table(a.get("advisors.clients"))
    assert listed["目標 遅れ"] == "0"
    db.session.expire_all()  # the request stored the row in its own session
    assert differences() == []


def test_cli_check_lists_differences_and_rebuild_repairs_them(app, db, client_company):
    a, _, _, company = client_company
    a.get("advisors.clients")
    runner = app.test_cli_runner()
    assert runner.invoke(args=["summaries", "check"]).exit_code == 0
    stored(db, company).open_points = 3
    db.session.commit()
    result = runner.invoke(args=["summaries", "check"])
    assert result.exit_code == 1
    assert f"company {company.id}: open_points stored 3, fresh 0" in result.output.splitlines()
    assert runner.invoke(args=["summaries", "rebuild"]).exit_code == 0
    assert runner.invoke(args=["summaries", "check"]).exit_code == 0
    assert stored(db, company).open_points == 0


def test_the_list_is_paged_and_page_links_keep_sort_and_filter(db, make_user, client_request):
    advisor = client_request.login_as("advisor")
    owner = make_user(email="owner@example.jp")
    for i in range(PER_PAGE + 10):
        add_client(advisor, f"顧客{i:03d}", owner, prefecture="27" if i % 2 else "13")
    db.session.commit()
    page = client_request.get_url("/advisor/clients?prefecture=13&sort=name&dir=desc")
    assert page.text(".result-count") == f"{PER_PAGE + 10}社中 30社を表示"
    assert page.select_one("nav.client-pager") is None  # one page
    page = client_request.get_url("/advisor/clients?sort=name&dir=desc")
    assert page.text(".result-count") == (
        f"{PER_PAGE + 10}社中 {PER_PAGE + 10}社が該当（1〜{PER_PAGE}社目を表示）"
    )
    expected = [f"顧客{i:03d}" for i in reversed(range(PER_PAGE + 10))]
    assert names(page) == expected[:PER_PAGE]
    pager = page.select_one("nav.client-pager")
    assert pager["aria-label"] == "一覧のページ"
    assert pager.select_one("[aria-current=page]").get_text() == "1"
    following = pager.select_one("a[rel=next]")["href"]
    assert "sort=name" in following and "dir=desc" in following and "page=2" in following
    second = client_request.get_url(following)
    assert names(second) == expected[PER_PAGE:]
    assert second.select_one("nav.client-pager [aria-current=page]").get_text() == "2"
    assert second.select_one("nav.client-pager a[rel=next]") is None
    # A page beyond the last shows the last; a new sort starts on the first page.
    assert names(client_request.get_url(following.replace("page=2", "page=9"))) == names(second)
    sort_link = second.select_one("table.client-table thead th a")["href"]
    assert "page=" not in sort_link
