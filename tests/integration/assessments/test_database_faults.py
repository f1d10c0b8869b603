"""F1: the database goes away in the middle of a save (issue 16): a questionnaire step, the
KPI step, the profile confirmation.

- PostgreSQL: a second connection terminates the app's own backend (pg_terminate_backend) after
  the save has bumped the step's version and while it writes the answers;
- SQLite: another writer holds the write lock for longer than the busy timeout.

Either way the user gets a 503 page that still holds what they typed (the step form, with its
version and a CSRF token, so pressing 保存 again works), nothing of the save is stored (not the
version bump, not part of the answers), and the next request succeeds without a restart.

The other faults of the issue are tested elsewhere: F2 (two tabs) in
test_questionnaire_faults.py::test_two_tabs_second_save_gets_conflict_with_both_values, F5
(expired session) in test_questionnaire_faults.py::
test_post_after_idle_timeout_is_kept_and_offered_back and
::test_a_step_open_for_two_hours_still_saves
(and test_stash_and_idle_hardening.py); F3, F4 and concurrent SQLite writers against a
live gunicorn in tests/integration/test_live_server_faults.py.
"""

import sqlite3
from contextlib import contextmanager
from decimal import Decimal

import pytest
from sqlalchemy import event, func

from app.models import Answer, Assessment, AuditEvent, IndicatorValue, StepState
from app.web import sqlite_pragmas
from tests.integration.helpers import TINY, step_payload
from tests.integration.kpi_helpers import make_indicator

STEP = TINY.steps[0]


def _step(assessment):
    return {"assessment_id": assessment.id, "step_id": STEP.id}


def _stored(db, assessment):
    """(step version, {item: (current, target, evidence)}) as committed, from a new session."""
    db.session.rollback()
    state = db.session.get(StepState, (assessment.id, STEP.id), populate_existing=True)
    rows = db.session.scalars(
        db.select(Answer)
        .where(Answer.assessment_id == assessment.id)
        .execution_options(populate_existing=True)
    )
    return (
        state.version if state else 0,
        {a.item_id: (a.current_level, a.target_level, a.evidence) for a in rows},
    )


def _save_first_version(client_request, assessment):
    page = client_request.get("assessments.step", **_step(assessment))
    client_request.post(
        "assessments.step",
        _data=step_payload(STEP, 1, 2, evidence="最初の根拠", page=page),
        **_step(assessment),
    )


def _assert_typed_values_kept(page):
    assert page.status_code == 503
    assert page.response.headers["Retry-After"] == "10"
    assert page.error_summary() == [
        "データベースに一時的に接続できないため、保存できませんでした。"
        "入力内容は下のフォームに残っています（まだ保存されていません）。"
        "しばらく待ってから、もう一度保存してください。"
    ]
    for item_id in STEP.item_ids:
        assert page.field_value(f"item-{item_id}-current") == "4"
        assert page.field_value(f"item-{item_id}-target") == "5"
        assert page.field_value(f"item-{item_id}-evidence") == "停電中に書いた根拠"
    assert page.field_value("version") == "1"  # the version it was loaded at: a retry saves


def _retry_from(client_request, assessment, page, db):
    client_request.post(
        "assessments.step",
        _data=step_payload(STEP, 4, 5, evidence="停電中に書いた根拠", page=page),
        **_step(assessment),
    )
    version, answers = _stored(db, assessment)
    assert version == 2
    assert answers == {i: (4, 5, "停電中に書いた根拠") for i in STEP.item_ids}


def test_postgres_connection_killed_mid_save(app, db, client_request, owner_with_tiny_assessment):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("pg_terminate_backend needs PostgreSQL (TEST_DATABASE_URL)")
    import psycopg

    _, _, assessment = owner_with_tiny_assessment
    _save_first_version(client_request, assessment)
    before = _stored(db, assessment)
    page = client_request.get("assessments.step", **_step(assessment))
    killed = []
    admin_url = db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)

    wrote_answers = []

    def kill_own_backend(conn, cursor, statement, parameters, context, executemany):
        # The version bump and the answers have been written in this transaction (on
        # PostgreSQL by one statement); the connection dies before the next statement.
        text = " ".join(statement.split()).upper()
        if "INSERT INTO ANSWERS" in text or text.startswith("UPDATE ANSWERS"):
            wrote_answers.append(statement)
            return
        if killed or not wrote_answers:
            return
        pid = conn.connection.dbapi_connection.info.backend_pid
        with psycopg.connect(admin_url, autocommit=True) as other:
            other.execute("SELECT pg_terminate_backend(%s)", (pid,))
        killed.append(pid)

    event.listen(db.engine, "before_cursor_execute", kill_own_backend)
    try:
        failed = client_request.post(
            "assessments.step",
            _data=step_payload(STEP, 4, 5, evidence="停電中に書いた根拠", page=page),
            _expected_status=503,
            **_step(assessment),
        )
    finally:
        event.remove(db.engine, "before_cursor_execute", kill_own_backend)
    assert killed, "the save never reached the answers"
    _assert_typed_values_kept(failed)
    assert _stored(db, assessment) == before  # neither the version bump nor any answer
    _retry_from(client_request, assessment, failed, db)  # same process, no restart


@pytest.fixture()
def short_busy_timeout(db):
    """New SQLite connections wait 300 ms for a lock instead of 5 s (the test stays quick)."""
    saved = sqlite_pragmas.BUSY_TIMEOUT_MS
    sqlite_pragmas.BUSY_TIMEOUT_MS = 300
    db.engine.dispose()
    yield
    sqlite_pragmas.BUSY_TIMEOUT_MS = saved
    db.engine.dispose()


def test_sqlite_locked_past_the_busy_timeout(
    app, db, client_request, owner_with_tiny_assessment, short_busy_timeout
):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's write lock (on PostgreSQL see the pg_terminate_backend test)")
    _, _, assessment = owner_with_tiny_assessment
    _save_first_version(client_request, assessment)
    before = _stored(db, assessment)
    page = client_request.get("assessments.step", **_step(assessment))
    other_writer = sqlite3.connect(db.engine.url.database, isolation_level=None)
    other_writer.execute("BEGIN EXCLUSIVE")  # held for the whole request, past the timeout
    try:
        failed = client_request.post(
            "assessments.step",
            _data=step_payload(STEP, 4, 5, evidence="停電中に書いた根拠", page=page),
            _expected_status=503,
            **_step(assessment),
        )
    finally:
        other_writer.rollback()
        other_writer.close()
    _assert_typed_values_kept(failed)
    assert _stored(db, assessment) == before
    _retry_from(client_request, assessment, failed, db)


def test_a_page_that_hits_an_unavailable_database_answers_503(
    app, db, client_request, owner_with_tiny_assessment
):
    """Outside the step save (which re-shows the form), a lost database is a 503, not a 500,
    and the next request works."""
    from sqlalchemy.exc import OperationalError

    company_id = owner_with_tiny_assessment[1].id
    fail = []

    def refuse(conn, cursor, statement, parameters, context, executemany):
        if not fail and "companies" in statement:
            fail.append(statement)
            raise OperationalError(statement, parameters, Exception("connection lost"))

    event.listen(db.engine, "before_cursor_execute", refuse)
    try:
        page = client_request.get(
            "companies.dashboard", company_id=company_id, _expected_status=503
        )
    finally:
        event.remove(db.engine, "before_cursor_execute", refuse)
    assert fail
    assert "データベースに一時的に接続できません" in page.text("main")
    assert page.response.headers["Retry-After"] == "10"
    client_request.get("companies.dashboard", company_id=company_id)


# -- the KPI step and the profile confirmation (the other saves of the questionnaire) ----------


@contextmanager
def database_fails_on(db, statement_start: str):
    """The database fails in the middle of the save: on PostgreSQL the app's own backend is
    terminated just before the first statement that starts with ``statement_start``; on SQLite
    another writer holds the write lock past the (shortened) busy timeout. Yields a list that
    holds the killed backend's pid on PostgreSQL (so a test can check the fault happened)."""
    killed = []
    if db.engine.dialect.name == "postgresql":
        import psycopg

        admin_url = db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)

        def kill_own_backend(conn, cursor, statement, parameters, context, executemany):
            if killed or not statement.lstrip().upper().startswith(statement_start):
                return
            pid = conn.connection.dbapi_connection.info.backend_pid
            with psycopg.connect(admin_url, autocommit=True) as other:
                other.execute("SELECT pg_terminate_backend(%s)", (pid,))
            killed.append(pid)

        event.listen(db.engine, "before_cursor_execute", kill_own_backend)
        try:
            yield killed
        finally:
            event.remove(db.engine, "before_cursor_execute", kill_own_backend)
    else:
        other_writer = sqlite3.connect(db.engine.url.database, isolation_level=None)
        other_writer.execute("BEGIN EXCLUSIVE")
        killed.append("locked")
        try:
            yield killed
        finally:
            other_writer.rollback()
            other_writer.close()


@pytest.fixture()
def short_lock_wait(db):
    """The short busy timeout on SQLite (nothing to shorten on PostgreSQL)."""
    if db.engine.dialect.name != "sqlite":
        yield
        return
    saved = sqlite_pragmas.BUSY_TIMEOUT_MS
    sqlite_pragmas.BUSY_TIMEOUT_MS = 300
    db.engine.dispose()
    yield
    sqlite_pragmas.BUSY_TIMEOUT_MS = saved
    db.engine.dispose()


def _assert_503_with_the_form(page):
    assert page.status_code == 503
    assert page.response.headers["Retry-After"] == "10"
    assert page.error_summary() == [
        "データベースに一時的に接続できないため、保存できませんでした。"
        "入力内容は下のフォームに残っています（まだ保存されていません）。"
        "しばらく待ってから、もう一度保存してください。"
    ]
    assert page.csrf_token  # the form can be sent again as it is


def _kpi_values(db, indicator_id):
    db.session.rollback()
    rows = db.session.scalars(
        db.select(IndicatorValue)
        .where(IndicatorValue.indicator_id == indicator_id)
        .execution_options(populate_existing=True)
    )
    return {r.fiscal_year: Decimal(r.value) for r in rows}


@pytest.mark.parametrize("first_value", [None, "7"], ids=["insert", "update"])
def test_kpi_step_keeps_the_typed_values_when_the_database_fails(
    db, client_request, owner_with_tiny_assessment, short_lock_wait, first_value
):
    owner, company, assessment = owner_with_tiny_assessment
    people = make_indicator(company, owner)
    ratio = make_indicator(company, owner, name="デジタル売上比率")
    year = assessment.fiscal_year
    if first_value:
        client_request.post(
            "assessments.kpi_step",
            _data={f"kpi-{people.id}": first_value, "nav": "next"},
            assessment_id=assessment.id,
            _expected_status=302,
        )
    before = (_kpi_values(db, people.id), _kpi_values(db, ratio.id))
    events = _kpi_events(db)
    form = client_request.get("assessments.kpi_step", assessment_id=assessment.id)
    typed = {
        f"kpi-{people.id}": "9",
        f"kpi-{ratio.id}": "12",
        "nav": "next",
        "csrf_token": form.csrf_token,
    }
    start = "UPDATE KPI_VALUES" if first_value else "INSERT INTO KPI_VALUES"
    with database_fails_on(db, start) as failed:
        page = client_request.post(
            "assessments.kpi_step", _data=typed, assessment_id=assessment.id, _expected_status=503
        )
    assert failed, "the save never reached the values"
    _assert_503_with_the_form(page)
    assert page.field_value(f"kpi-{people.id}") == "9"
    assert page.field_value(f"kpi-{ratio.id}") == "12"
    assert (_kpi_values(db, people.id), _kpi_values(db, ratio.id)) == before  # nothing written
    assert _kpi_events(db) == events

    # Sending the same form again works in the same process (no restart).
    client_request.post(
        "assessments.kpi_step",
        _data={**typed, "csrf_token": page.csrf_token},
        assessment_id=assessment.id,
        _expected_status=302,
    )
    assert _kpi_values(db, people.id) == {year: Decimal(9)}
    assert _kpi_values(db, ratio.id) == {year: Decimal(12)}


def _kpi_events(db):
    return db.session.scalar(
        db.select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.event == "kpi_values_saved")
    )


def test_profile_confirmation_answers_503_with_its_form_when_the_database_fails(
    db, client_request, owner_with_tiny_assessment, short_lock_wait
):
    _, _, assessment = owner_with_tiny_assessment
    page = client_request.get("assessments.profile_step", assessment_id=assessment.id)
    data = {"csrf_token": page.csrf_token, "nav": "next"}
    with database_fails_on(db, "UPDATE ASSESSMENTS SET PROFILE_CONFIRMED_AT") as failed:
        failed_page = client_request.post(
            "assessments.profile_step",
            _data=data,
            assessment_id=assessment.id,
            _expected_status=503,
        )
    assert failed
    _assert_503_with_the_form(failed_page)
    assert failed_page.h1 == "会社情報の確認"
    assert {b["value"] for b in failed_page.select("main form button[name=nav]")} == {
        "next",
        "save_exit",
    }
    db.session.rollback()
    stored = db.session.get(Assessment, assessment.id, populate_existing=True)
    assert stored.profile_confirmed_at is None

    client_request.post(
        "assessments.profile_step",
        _data={**data, "csrf_token": failed_page.csrf_token},
        assessment_id=assessment.id,
        _expected_status=302,
    )
    db.session.rollback()
    assert db.session.get(Assessment, assessment.id, populate_existing=True).profile_confirmed_at
