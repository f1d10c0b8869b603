"""No page issues a query per item, per year or per step (issue 16): the number of SQL statements
a page runs is the same for a company with 1 submitted year as with 3, and for a step of 3 items
as for one of 9; a step save runs a fixed number of statements whatever the step's size.

The counts are taken with SQLAlchemy's before_cursor_execute event on the app's engine, one
request at a time, on SQLite and PostgreSQL alike.
"""

from contextlib import contextmanager

import pytest
from sqlalchemy import event

from app.assessments.forms import field_name
from questionnaires import load_index
from tests.integration.member_helpers import draft_assessment, submitted_assessment

INDEX = load_index("2019-07")
SMALL, LARGE = INDEX.step("vision"), INDEX.step("it-system")  # 3 and 9 items


@contextmanager
def counted(db):
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def statements_for(db, client_request, endpoint, **values) -> list[str]:
    client_request.get(endpoint, **values)  # warm: first-use caches are not per request
    with counted(db) as statements:
        client_request.get(endpoint, **values)
    return statements


@pytest.fixture()
def two_companies(make_user, make_company, login):
    """One owner; a company with 1 submitted year and a draft, one with 3 and a draft."""
    owner = make_user(email="owner@example.jp")
    one, three = make_company(owner, name="一年株式会社"), make_company(owner, name="三年株式会社")
    companies = {}
    for company, years in ((one, [2025]), (three, [2023, 2024, 2025])):
        submitted = [submitted_assessment(company, owner, year=y, level=2) for y in years]
        companies[len(years)] = {
            "company": company.id,
            "submitted": submitted[-1].id,
            "draft": draft_assessment(company, owner, year=2026).id,
        }
    login(owner.email)
    return companies


@pytest.mark.parametrize(
    ("endpoint", "arg", "key"),
    [
        ("assessments.results", "assessment_id", "submitted"),
        ("assessments.review", "assessment_id", "draft"),
        ("companies.dashboard", "company_id", "company"),
        ("progress.company", "company_id", "company"),
        ("progress.history", "company_id", "company"),
    ],
)
def test_pages_run_as_many_statements_for_3_years_as_for_1(
    db, client_request, two_companies, endpoint, arg, key
):
    one = statements_for(db, client_request, endpoint, **{arg: two_companies[1][key]})
    three = statements_for(db, client_request, endpoint, **{arg: two_companies[3][key]})
    assert len(three) == len(one), (len(one), len(three))
    assert len(one) <= 16  # the page's own look-ups, login, access and chrome; none per row


# The warm pages' statements (issue 16, bench/README "Results, review and history"): the user
# (with its 2FA choice), the page's row with the access check, then
# - results: the key of its drawn parts (the years' stamps), the answers, the page state;
# - review: the answers and the page state (app/assessments/page_state.py: saved steps, KPI
#   counts, whether there are revisions, comments, reviews to read);
# - history: the years' stamps (the key of its drawn parts) and the team look-up.
@pytest.mark.parametrize(
    ("endpoint", "arg", "key", "expected"),
    [
        ("assessments.results", "assessment_id", "submitted", 5),
        ("assessments.review", "assessment_id", "draft", 4),
        ("progress.history", "company_id", "company", 4),
    ],
)
def test_warm_results_review_and_history_run_few_statements(
    db, client_request, two_companies, endpoint, arg, key, expected
):
    for years in (1, 3):
        statements = statements_for(
            db, client_request, endpoint, **{arg: two_companies[years][key]}
        )
        assert len(statements) == expected, [" ".join(s.split()[:8]) for s in statements]


def _lists_read(statements) -> dict[str, int]:
    """How many statements read each per-viewer list of the review and results pages."""
    starts = {
        "revisions": "SELECT assessment_revisions.number",
        "comments": "SELECT comments.",
        "ratings": "SELECT item_ratings.",
        "review points": "SELECT review_comments.",
    }
    return {
        name: sum(1 for s in statements if " ".join(s.split()).startswith(start))
        for name, start in starts.items()
    }


@pytest.mark.parametrize(
    ("endpoint", "key"),
    [("assessments.results", "submitted"), ("assessments.review", "draft")],
)
def test_a_list_is_read_only_when_the_assessment_has_rows_of_it(
    db, client_request, two_companies, make_user, endpoint, key
):
    """page_state's flags: no statement for an empty list; each list read (and shown) once the
    assessment has a row of it, whoever it belongs to."""
    from app.models import Assessment, AssessmentRevision, Comment, ItemRating, ReviewComment

    aid = two_companies[1][key]
    nothing = statements_for(db, client_request, endpoint, assessment_id=aid)
    assert set(_lists_read(nothing).values()) == {0}

    assessment = db.session.get(Assessment, aid)
    advisor = make_user(role="advisor", email="adv@example.jp", display_name="支援 花子")
    item = INDEX.items[0].id
    db.session.add_all(
        [
            Comment(assessment_id=aid, author_id=advisor.id, body="全体へのコメント"),
            ItemRating(assessment_id=aid, item_id=item, advisor_id=advisor.id, level=5),
            ReviewComment(assessment_id=aid, item_id=item, author_id=advisor.id, body="指摘"),
            AssessmentRevision(
                assessment_id=aid,
                number=1,
                index_version=assessment.index_version,
                submitted_at=assessment.created_at,
                reopened_at=assessment.created_at,
                answers=[],
                scores=assessment.scores,
            ),
        ]
    )
    db.session.commit()
    statements = statements_for(db, client_request, endpoint, assessment_id=aid)
    assert _lists_read(statements) == dict.fromkeys(_lists_read(statements), 1)
    assert len(statements) == len(nothing) + 4
    page = client_request.get(endpoint, assessment_id=aid)
    assert "全体へのコメント" in page.text("#comments")
    assert "指摘 1件" in " ".join(page.text("main").split())


def test_a_step_of_9_items_runs_as_many_statements_as_one_of_3(db, client_request, two_companies):
    aid = two_companies[3]["draft"]
    small = statements_for(
        db, client_request, "assessments.step", assessment_id=aid, step_id=SMALL.id
    )
    large = statements_for(
        db, client_request, "assessments.step", assessment_id=aid, step_id=LARGE.id
    )
    assert len(large) == len(small)


def _save(db, client_request, aid, step, level) -> list[str]:
    page = client_request.get("assessments.step", assessment_id=aid, step_id=step.id)
    data = {"version": page.field_value("version"), "nav": "next"}
    for item_id in step.item_ids:
        data[field_name(item_id, "current")] = str(level)
        data[field_name(item_id, "target")] = "4"
        data[field_name(item_id, "evidence")] = f"根拠{level}"
        data[field_name(item_id, "action")] = ""
    with counted(db) as statements:
        client_request.post(
            "assessments.step", _data=data, _from=page, assessment_id=aid, step_id=step.id
        )
    return statements


def test_a_step_save_writes_its_answers_in_one_statement(db, client_request, two_companies):
    aid = two_companies[1]["draft"]
    _save(db, client_request, aid, SMALL, 1)  # first saves: the step's state row is created
    _save(db, client_request, aid, LARGE, 1)
    small = _save(db, client_request, aid, SMALL, 2)
    large = _save(db, client_request, aid, LARGE, 3)
    assert len(large) == len(small)
    writes = [
        s
        for s in large
        if "INSERT INTO ANSWERS" in s.upper() or s.lstrip().upper().startswith("UPDATE ANSWERS")
    ]
    assert len(writes) == 1  # one upsert for the 9 rows (PostgreSQL: with the version bump)


def _alone(statements, table: str) -> list[str]:
    """Statements that read ``table`` on their own (not as a subquery of the page's row)."""
    return [s for s in statements if s.lstrip().upper().startswith(f"SELECT {table.upper()}.")]


@pytest.mark.parametrize(
    ("endpoint", "arg", "key"),
    [
        ("assessments.results", "assessment_id", "submitted"),
        ("companies.dashboard", "company_id", "company"),
    ],
)
def test_login_2fa_and_access_need_no_statements_of_their_own(
    db, client_request, two_companies, endpoint, arg, key
):
    """The user's role's 2FA choice comes with the user, the membership role with the page's
    assessment or company (issue 16: the per-request hooks cost 15-25 % of every page)."""
    statements = statements_for(db, client_request, endpoint, **{arg: two_companies[1][key]})
    assert _alone(statements, "two_factor_policies") == []
    assert _alone(statements, "memberships") == []
    users = [s for s in statements if "FROM users" in s]
    assert len(users) == 1 and "two_factor_policies" in users[0]


def test_a_step_save_reads_no_answers_before_it_redirects(db, client_request, two_companies):
    aid = two_companies[1]["draft"]
    _save(db, client_request, aid, SMALL, 1)
    statements = _save(db, client_request, aid, SMALL, 2)
    reads = [s for s in statements if "FROM answers" in s]
    # The only one allowed: the advisor list's summary row counts the draft's answered items
    # (one aggregate in its UPDATE, app/advisors/summaries.note_step_saved); no answer row is
    # loaded.
    assert len(reads) == 1, reads
    assert reads[0].startswith("UPDATE company_summaries SET answered=(SELECT count(*)")
    assert "current_level IS NOT NULL" in reads[0]
    assert _alone(statements, "memberships") == []


def test_a_step_save_runs_four_statements_three_on_postgresql(db, client_request, two_companies):
    """The user with the assessment and the access check (one statement: the user loader reads
    the step's assessment with the user, access.reads_assessment_with_user), the version bump
    that also checks and locks the draft, the answers' upsert (on PostgreSQL one statement with
    the bump), the summary row; no stash delete when the browser session holds no stash
    (issue 16: the save's round trips)."""
    aid = two_companies[1]["draft"]
    _save(db, client_request, aid, LARGE, 1)  # the first save creates the step's state row
    statements = _save(db, client_request, aid, LARGE, 2)
    kinds = [" ".join(s.split()[:3]) for s in statements]
    postgresql = db.engine.dialect.name == "postgresql"
    assert len(statements) == (3 if postgresql else 4), kinds
    users = [s for s in statements if "FROM users" in s]
    assert len(users) == 1 and "LEFT OUTER JOIN assessments ON assessments.id" in users[0]
    assert [s for s in statements if s.startswith("SELECT assessments.")] == []
    assert [s for s in statements if s.startswith("UPDATE assessments")] == []
    assert [s for s in statements if "stashed_posts" in s] == []
    bumps = [" ".join(s.split()) for s in statements if "UPDATE step_states" in s]
    assert len(bumps) == 1
    if postgresql:
        assert bumps[0].startswith("WITH bump AS (UPDATE step_states")
        assert "INSERT INTO answers" in bumps[0]


def test_a_step_page_reads_its_assessment_on_its_own(db, client_request, two_companies):
    """Only a save's POST reads the assessment with the user: the page (GET) loads it with its
    company, as before."""
    aid = two_companies[1]["draft"]
    statements = statements_for(
        db, client_request, "assessments.step", assessment_id=aid, step_id=LARGE.id
    )
    users = [s for s in statements if "FROM users" in s]
    assert len(users) == 1 and "assessments" not in users[0]


def test_kept_versions_are_read_only_for_a_year_edited_again(db, client_request, two_companies):
    """submitted_years() reads each row's newest kept version number with it: a draft never
    submitted needs no look-up of kept versions; a reopened year still gets its own."""
    from app.assessments import services as assessment_services
    from app.models import Assessment, User

    kept = "SELECT assessment_revisions.assessment_id"
    company = two_companies[1]["company"]

    def kept_reads():
        statements = statements_for(db, client_request, "companies.dashboard", company_id=company)
        return sum(1 for s in statements if " ".join(s.split()).startswith(kept))

    assert kept_reads() == 0  # the company's draft has never been submitted
    submitted = db.session.get(Assessment, two_companies[1]["submitted"])
    owner = db.session.scalar(db.select(User).where(User.email == "owner@example.jp"))
    assert assessment_services.reopen(submitted, submitted.version, owner)
    assert kept_reads() >= 1  # (other parts of the page read kept versions on their own too)


def test_the_progress_page_reads_indicators_and_actuals_in_one_statement(
    db, client, client_request, two_companies
):
    from app.models import Company, User
    from tests.integration.kpi_helpers import make_indicator, post_values, this_fiscal_year

    company = db.session.get(Company, two_companies[1]["company"])
    owner = db.session.scalar(db.select(User).where(User.email == "owner@example.jp"))
    with_actual = make_indicator(company, owner)
    make_indicator(company, owner, name="実績のない指標")
    post_values(client, with_actual.id, {this_fiscal_year() - 1: "12"})
    client_request.get("progress.company", company_id=company.id)  # warm
    with counted(db) as statements:
        page = client_request.get("progress.company", company_id=company.id)
    kpi_reads = [s for s in statements if "kpi_" in s]
    assert len(kpi_reads) == 1 and "kpi_values" in kpi_reads[0], kpi_reads
    cards = " ".join(page.texts("main"))
    assert with_actual.name in cards and "実績のない指標" in cards


def test_a_step_page_reads_versions_and_kpi_counts_in_one_statement(
    db, client_request, two_companies
):
    """The user, the assessment, the page state (every saved step's version and the KPI step's
    counts: page_state.step_page_state) and the answers; each step shows its own version."""
    from app.assessments import services as assessment_services
    from app.models import Assessment

    aid = two_companies[1]["draft"]
    for step, level in ((LARGE, 2), (LARGE, 3), (SMALL, 2)):
        _save(db, client_request, aid, step, level)
    statements = statements_for(
        db, client_request, "assessments.step", assessment_id=aid, step_id=LARGE.id
    )
    assert len(statements) == 4, [" ".join(s.split()[:6]) for s in statements]
    stored = assessment_services.step_versions(db.session.get(Assessment, aid))
    for step in (LARGE, SMALL):
        page = client_request.get("assessments.step", assessment_id=aid, step_id=step.id)
        assert page.field_value("version") == str(stored[step.id])
    assert stored[LARGE.id] != stored[SMALL.id]
