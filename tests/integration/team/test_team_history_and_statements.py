"""The divergence page keeps last year's views ("where did we disagree last year, and do we
still?") and runs as many SQL statements for 3 participants as for 1."""

from app.assessments import services as questionnaire
from app.team import services as team
from tests.integration.team.team_helpers import INDEX, fill_answers, join, rate_all
from tests.integration.test_statement_counts import counted
from tests.pages import Page

ALL_STEPS = [s.id for s in INDEX.steps]


def _round(db, make_user, company, assessment, owner, levels, tag):
    team.start(assessment, owner)
    for n, (perspective, level) in enumerate(levels):
        user = make_user(email=f"{tag}{n}@example.jp")
        join(db, company, user, "viewer")
        participant = team.add_participant(assessment, user.id, perspective, ALL_STEPS, owner)
        rate_all(assessment, participant, level)


def test_last_years_spread_beside_this_years(client, db, make_user, owner_with_assessment):
    owner, company, this_year = owner_with_assessment
    last_year = questionnaire.start_assessment(
        company, this_year.fiscal_year - 1, owner, prefill=False, index_version="2019-07"
    )
    first = INDEX.items[0].id
    # last year: every item 1 apart, the first item 4 apart; this year: all agree but the first
    _round(
        db,
        make_user,
        company,
        last_year,
        owner,
        [("executive", 1), ("it_dept", lambda i: 5 if i == first else 2)],
        "ly",
    )
    fill_answers(last_year, owner)
    assert questionnaire.submit(last_year, last_year.version, owner)
    _round(
        db,
        make_user,
        company,
        this_year,
        owner,
        [("executive", 2), ("it_dept", lambda i: 4 if i == first else 2)],
        "ty",
    )

    page = Page(client.get(f"/assessments/{this_year.id}/team/divergence"))
    rows = page.table("#spread-history")
    assert rows[0] == ["項目", f"{last_year.fiscal_year}年度のばらつき", "今年度のばらつき"]
    assert rows[1] == [f"{first} {INDEX.items[0].title}", "4", "2"]
    assert rows[2][1:] == ["1", "0"]
    assert len(rows) == 1 + len(INDEX.items)
    # last year's page still shows last year's views (kept with the submitted year)
    old = Page(client.get(f"/assessments/{last_year.id}/team/divergence"))
    assert old.table("#heat-map")[1][1] == "4"


def test_divergence_page_statements_do_not_grow_with_participants(
    client, db, make_user, make_company, owner_with_assessment
):
    owner, company, small = owner_with_assessment
    other = make_company(owner, name="大人数株式会社")
    large = questionnaire.start_assessment(
        other, small.fiscal_year, owner, prefill=False, index_version="2019-07"
    )
    _round(db, make_user, company, small, owner, [("executive", 1)], "s")
    _round(
        db, make_user, other, large, owner, [("executive", 1), ("it_dept", 3), ("business", 2)], "l"
    )
    counts = []
    for assessment in (small, large):
        url = f"/assessments/{assessment.id}/team/divergence"
        assert client.get(url).status_code == 200  # warm first-use caches
        with counted(db) as statements:
            assert client.get(url).status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1], counts


def test_cached_figures_follow_a_new_submission_and_a_rename(
    client, db, make_user, owner_with_assessment
):
    """The figures are cached per set of submitted views (app/team/cache.py): a new
    submission and a participant's new name show at once."""
    owner, company, assessment = owner_with_assessment
    _round(db, make_user, company, assessment, owner, [("executive", 1)], "c")
    url = f"/assessments/{assessment.id}/team/divergence"
    first = Page(client.get(url)).table("#item-views")
    assert len(first[0]) == 2 and first[1][1] == "1 / 1"
    late = make_user(email="late@example.jp", display_name="遅れた人")
    join(db, company, late, "viewer")
    rate_all(assessment, team.add_participant(assessment, late.id, "it_dept", ALL_STEPS, owner), 4)
    second = Page(client.get(url)).table("#item-views")
    assert len(second[0]) == 3 and second[1][1:] == ["1 / 1", "4 / 4"]
    assert second[0][2].endswith("遅れた人")
    late.display_name = "改名した人"
    db.session.commit()
    third = Page(client.get(url)).table("#item-views")
    assert third[0][2].endswith("改名した人") and third[1][1:] == ["1 / 1", "4 / 4"]
