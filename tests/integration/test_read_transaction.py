"""On PostgreSQL a request that only read ends with COMMIT (so psycopg keeps its prepared
statements); one that wrote, failed or streamed is rolled back as before. On SQLite, which keeps
no server-side plans, every request ends as before (app/web/read_transaction.py, issue 16).

The write cases need GET views that write without committing, which the app never has: they
are routes of a second app built for this module, on the same database.
"""

import pytest
from flask import Response, abort
from sqlalchemy import event, func, insert, select, text

from app import create_app
from app.extensions import db as _db
from app.models import AuditEvent
from tests.integration.member_helpers import submitted_assessment


@pytest.fixture(scope="module")
def probe_app(app):
    probe = create_app(
        {
            "APP_ENV": "test",
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "RATELIMIT_STORAGE_URI": "memory://",
        }
    )

    @probe.get("/_probe/read")
    def read():
        _db.session.execute(select(AuditEvent.id).where(AuditEvent.event == "x")).all()
        return "read"

    @probe.get("/_probe/prepared")
    def prepared():
        return str(_db.session.scalar(text("SELECT count(*) FROM pg_prepared_statements")))

    @probe.get("/_probe/core-write")
    def core_write():
        _db.session.execute(insert(AuditEvent).values(event="probe_core"))
        return "wrote"

    @probe.get("/_probe/orm-write")
    def orm_write():
        _db.session.add(AuditEvent(event="probe_orm"))
        _db.session.flush()
        _db.session.execute(select(AuditEvent.id)).all()  # a read after the flush
        return "wrote"

    @probe.get("/_probe/write-then-404")
    def write_then_404():
        _db.session.execute(insert(AuditEvent).values(event="probe_404"))
        abort(404)

    @probe.get("/_probe/streamed")
    def streamed():
        _db.session.execute(select(AuditEvent.id)).all()
        return Response(iter(["a", "b"]))

    yield probe
    with probe.app_context():
        _db.session.remove()
        _db.engine.dispose()


@pytest.fixture()
def transaction_ends(probe_app):
    """Counts of COMMIT and ROLLBACK on the probe app's engine."""
    ends = {"commit": 0, "rollback": 0}

    def on_commit(_conn):
        ends["commit"] += 1

    def on_rollback(_conn):
        ends["rollback"] += 1

    with probe_app.app_context():
        engine = _db.engine
    event.listen(engine, "commit", on_commit)
    event.listen(engine, "rollback", on_rollback)
    yield ends
    event.remove(engine, "commit", on_commit)
    event.remove(engine, "rollback", on_rollback)


def _on_postgresql(db) -> bool:
    return db.engine.dialect.name == "postgresql"


def _events(db, name) -> int:
    return db.session.scalar(select(func.count()).where(AuditEvent.event == name))


def test_a_get_that_only_read_commits_on_postgresql(db, probe_app, transaction_ends):
    assert probe_app.test_client().get("/_probe/read").status_code == 200
    if _on_postgresql(db):
        assert transaction_ends == {"commit": 1, "rollback": 0}
    else:
        assert transaction_ends == {"commit": 0, "rollback": 1}


@pytest.mark.parametrize(
    "path, event_name, status",
    [
        ("/_probe/core-write", "probe_core", 200),
        ("/_probe/orm-write", "probe_orm", 200),
        ("/_probe/write-then-404", "probe_404", 404),
    ],
)
def test_a_get_that_wrote_is_rolled_back(db, probe_app, transaction_ends, path, event_name, status):
    assert probe_app.test_client().get(path).status_code == status
    assert transaction_ends == {"commit": 0, "rollback": 1}
    assert _events(db, event_name) == 0


def test_a_streamed_answer_is_not_committed_by_the_hook(probe_app, transaction_ends):
    client = probe_app.test_client()
    assert client.get("/_probe/streamed").get_data(as_text=True) == "ab"
    assert transaction_ends["commit"] == 0


def test_statements_stay_prepared_on_postgresql(db, probe_app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("server-side prepared statements are PostgreSQL's")
    client = probe_app.test_client()
    for _ in range(8):  # psycopg prepares a statement at its sixth run on a connection
        client.get("/_probe/read")
    # One worker thread, one pooled connection: the same one answers the next request.
    assert int(client.get("/_probe/prepared").get_data(as_text=True)) >= 1


def test_the_results_page_ends_with_commit(app, client, db, make_user, make_company, login):
    owner = make_user(email="owner@example.jp")
    assessment = submitted_assessment(make_company(owner), owner, year=2025, level=2)
    login(owner.email)
    url = f"/assessments/{assessment.id}/results"
    assert client.get(url).status_code == 200
    ends = {"commit": 0, "rollback": 0}

    def on_end(name):
        def count(_conn):
            ends[name] += 1

        return count

    listeners = {name: on_end(name) for name in ends}
    for name, fn in listeners.items():
        event.listen(db.engine, name, fn)
    try:
        assert client.get(url).status_code == 200
    finally:
        for name, fn in listeners.items():
            event.remove(db.engine, name, fn)
    assert ends == (
        {"commit": 1, "rollback": 0} if _on_postgresql(db) else {"commit": 0, "rollback": 1}
    )
