"""The company history page's team section (issue 17): last team year's spread beside this
one's and the items where the disagreement persisted, for the owners and the participants who
submitted; advisors (even with a grant) and other members see the page without it."""

import pytest

from app.advisors import services as grants
from app.assessments import services as questionnaire
from app.team import services as team
from tests.integration.team.team_helpers import INDEX, fill_answers, join, rate_all
from tests.pages import Page

ALL_STEPS = [s.id for s in INDEX.steps]
FIRST, SECOND, THIRD = (INDEX.items[n].id for n in range(3))


def _team_year(db, make_user, company, assessment, owner, levels, tag):
    team.start(assessment, owner)
    people = []
    for n, (perspective, level) in enumerate(levels):
        user = make_user(email=f"{tag}{n}@example.jp")
        join(db, company, user, "viewer")
        participant = team.add_participant(assessment, user.id, perspective, ALL_STEPS, owner)
        rate_all(assessment, participant, level)
        people.append(user)
    fill_answers(assessment, owner)
    assert questionnaire.submit(assessment, assessment.version, owner)
    return people


@pytest.fixture()
def two_team_years(db, make_user, owner_with_assessment):
    """Last year: FIRST 4 apart, SECOND 3 apart, THIRD 1 apart, the rest agree.
    This year: FIRST still 2 apart (persisted), SECOND agreed, THIRD now 3 apart."""
    owner, company, this_year = owner_with_assessment
    last_year = questionnaire.start_assessment(
        company, this_year.fiscal_year - 1, owner, prefill=False, index_version="2019-07"
    )
    last = {FIRST: 5, SECOND: 4, THIRD: 2}
    now = {FIRST: 3, SECOND: 1, THIRD: 4}
    _team_year(
        db,
        make_user,
        company,
        last_year,
        owner,
        [("executive", 1), ("it_dept", lambda i: last.get(i, 1))],
        "ly",
    )
    people = _team_year(
        db,
        make_user,
        company,
        this_year,
        owner,
        [("executive", 1), ("it_dept", lambda i: now.get(i, 1))],
        "ty",
    )
    return owner, company, last_year, this_year, people


def _section(client, company):
    page = Page(client.get(f"/companies/{company.id}/history"))
    assert page.status_code == 200
    return page, page.soup.select_one("section.team-history")


def test_owner_sees_last_years_spread_beside_this_years(client, two_team_years):
    owner, company, last_year, this_year, _people = two_team_years
    page, section = _section(client, company)
    assert section is not None
    persisted = [li.get_text(" ", strip=True) for li in section.select("ul.team-persisted li")]
    assert persisted == [f"{FIRST} {INDEX.items[0].title}（4 → 2）"]
    rows = page.table("#team-spread-years")
    years = [f"{last_year.fiscal_year}年度", f"{this_year.fiscal_year}年度"]
    assert rows[0] == ["項目", *years, "違い"]
    by_item = {row[0].split(" ")[0]: row[1:] for row in rows[1:]}
    assert by_item[FIRST] == ["4", "2", "続いている"]
    assert by_item[SECOND] == ["3", "0", ""]
    assert by_item[THIRD] == ["1", "3", ""]
    assert len(rows) == 1 + len(INDEX.items)
    link = section.select_one(".page-links a")["href"]
    assert link == f"/assessments/{this_year.id}/team/divergence"


def test_a_participant_who_submitted_sees_it_other_members_do_not(
    app, db, make_user, login, two_team_years
):
    owner, company, _last, _this, people = two_team_years
    participant = login(people[0].email, c=app.test_client())
    assert _section(participant, company)[1] is not None
    bystander = make_user(email="bystander@example.jp")
    join(db, company, bystander, "editor")
    assert _section(login(bystander.email, c=app.test_client()), company)[1] is None


def test_an_advisor_with_a_grant_sees_the_history_without_the_team_section(
    app, make_user, login, two_team_years
):
    owner, company, *_ = two_team_years
    advisor = make_user(role="advisor", email="advisor@example.jp")
    grants.grant_access(company, advisor.email, "comment", owner)
    page, section = _section(login(advisor.email, c=app.test_client()), company)
    assert section is None
    assert page.soup.select_one("table.history-years") is not None  # the page itself is there
    assert page.soup.find(string=lambda s: s and "ばらつき" in s) is None


def test_one_team_year_has_no_comparison_yet(client, db, make_user, owner_with_assessment):
    owner, company, this_year = owner_with_assessment
    _team_year(db, make_user, company, this_year, owner, [("executive", 1), ("it_dept", 3)], "o")
    _page, section = _section(client, company)
    assert section is not None and section.select_one("#team-spread-years") is None
    assert section.select_one(".page-links a")["href"].endswith(f"/{this_year.id}/team/divergence")
