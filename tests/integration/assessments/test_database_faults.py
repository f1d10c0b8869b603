"""F1: the database goes away in the middle of a step save (issue 16).

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

import pytest
from sqlalchemy import event

from app.models import Answer, StepState
from app.web import sqlite_pragmas
from tests.integration.helpers import TINY, step_payload

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

    def kill_own_backend(conn, cursor, statement, parameters, context, executemany):
        # The version bump has run in this transaction; now the answers are being written.
        writes_answers = (
            statement.lstrip().upper().startswith(("UPDATE ANSWERS", "INSERT INTO ANSWERS"))
        )
        if killed or not writes_answers:
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
