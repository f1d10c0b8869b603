"""Faults against a live gunicorn serving the suite's database (SQLite or PostgreSQL), issue 16:

- F3 double submit: the same submit form posted 100 times in a row, and 20 times at once, records
  exactly one submission, one score snapshot and one audit event;
- F4 a worker SIGKILLed in the middle of a step save (tests/integration/gunicorn_kill_mid_save.py):
  nothing of that save is stored, and the next save through the same server succeeds;
- 50 concurrent savers, each saving a step of its own assessment at the same moment: every save
  answers with its redirect and is stored, and the server logs no "database is locked" (on
  SQLite: WAL, busy timeout, and transactions that start with their write, see
  app/web/sqlite_pragmas.py).

F1, F2 and F5 are in tests/integration/assessments/ (test_database_faults.py,
test_questionnaire_faults.py).
"""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from app.assessments import services
from app.models import Answer, Assessment, AssessmentRevision, AuditEvent, StepState
from questionnaires import load_index
from tests.conftest import PASSWORD
from tests.integration.live_server import Browser, LiveServer

INDEX = load_index("2019-07")
STEP = INDEX.steps[0]


def _database_url(db):
    return db.engine.url.render_as_string(hide_password=False)


@pytest.fixture(scope="module")
def server(app, tmp_path_factory):
    # 3 processes x 6 threads: up to 18 requests in the database at once (sync workers would
    # let only as many as there are workers).
    with app.app_context():
        from app.extensions import db

        url = _database_url(db)
    live = LiveServer(
        url, tmp_path_factory.mktemp("live"), "-w", "3", "-k", "gthread", "--threads", "6"
    )
    yield live
    live.stop()


def _assessment(company, owner, *, filled: bool, year=2026):
    assessment = services.start_assessment(
        company, year, owner, prefill=False, index_version=INDEX.version_id
    )
    if filled:
        services.confirm_profile(assessment)
        for step in INDEX.steps:
            values = {
                i: {"current": 2, "target": 4, "evidence": "根拠", "action": ""}
                for i in step.item_ids
            }
            services.save_step(assessment, step, values, 0, owner)
    return assessment


def _step_form(token, version, current, target, evidence):
    data = {"csrf_token": token, "version": version, "nav": "next"}
    for item_id in STEP.item_ids:
        data[f"item-{item_id}-current"] = str(current)
        data[f"item-{item_id}-target"] = str(target)
        data[f"item-{item_id}-evidence"] = evidence
        data[f"item-{item_id}-action"] = ""
    return data


def _submission_record(db, assessment_id):
    db.session.rollback()
    assessment = db.session.get(Assessment, assessment_id, populate_existing=True)
    events = db.session.scalars(db.select(AuditEvent).where(AuditEvent.event == "submit")).all()
    revisions = db.session.scalar(
        db.select(db.func.count(AssessmentRevision.id)).where(
            AssessmentRevision.assessment_id == assessment_id
        )
    )
    return assessment, [e.details["assessment_id"] for e in events], revisions


def _assert_submitted_once(db, assessment_id):
    assessment, submit_events, revisions = _submission_record(db, assessment_id)
    assert assessment.status == "submitted"
    assert assessment.version == 2  # one transition draft -> submitted
    assert assessment.scores["overall"]["current_mean"] == 2  # the one snapshot, of the answers
    assert revisions == 0
    assert submit_events.count(assessment_id) == 1


def test_double_submit_100_times_in_a_row_and_20_at_once(server, db, make_user, make_company):
    owner = make_user(email="owner@example.jp")
    first = _assessment(make_company(owner, name="連打株式会社"), owner, filled=True)
    second = _assessment(make_company(owner, name="同時株式会社"), owner, filled=True)
    ids = first.id, second.id
    browser = Browser(server.base)
    browser.login(owner.email, PASSWORD)

    token, version = browser.get_form(f"/assessments/{ids[0]}/review")
    form = {"csrf_token": token, "version": version}
    statuses = [browser.request(f"/assessments/{ids[0]}/submit", form)[0] for _ in range(100)]
    assert statuses == [302] * 100
    _assert_submitted_once(db, ids[0])

    token, version = browser.get_form(f"/assessments/{ids[1]}/review")
    form = {"csrf_token": token, "version": version}
    barrier = threading.Barrier(20)

    def submit_at_once(_):
        barrier.wait()
        return browser.request(f"/assessments/{ids[1]}/submit", form)[:1]

    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(pool.map(submit_at_once, range(20)))
    assert statuses == [(302,)] * 20
    _assert_submitted_once(db, ids[1])
    assert "Traceback" not in server.log()


def test_50_concurrent_savers_are_all_stored(server, db, make_user, make_company):
    owner = make_user(email="owner@example.jp")
    ids = [
        _assessment(make_company(owner, name=f"同時保存{n}株式会社"), owner, filled=False).id
        for n in range(50)
    ]
    browser = Browser(server.base)
    browser.login(owner.email, PASSWORD)
    forms = []
    for n, aid in enumerate(ids):
        token, version = browser.get_form(f"/assessments/{aid}/steps/{STEP.id}")
        forms.append(_step_form(token, version, n % 6, 5, f"保存{n}"))
    barrier = threading.Barrier(50)

    def save(n):
        barrier.wait()
        status, _, location = browser.request(f"/assessments/{ids[n]}/steps/{STEP.id}", forms[n])
        return status, location.rsplit("/", 1)[-1]

    with ThreadPoolExecutor(max_workers=50) as pool:
        results = list(pool.map(save, range(50)))
    assert results == [(302, INDEX.steps[1].id)] * 50
    db.session.rollback()
    stored = {
        (a.assessment_id, a.item_id): (a.current_level, a.target_level, a.evidence)
        for a in db.session.scalars(db.select(Answer))
    }
    expected = {
        (aid, item_id): (n % 6, 5, f"保存{n}")
        for n, aid in enumerate(ids)
        for item_id in STEP.item_ids
    }
    assert stored == expected
    log = server.log()
    assert "database is locked" not in log and "Traceback" not in log


def test_worker_killed_mid_save_stores_nothing_of_it(app, db, make_user, make_company, tmp_path):
    """F4: sync workers as in production; one dies (SIGKILL) right after the save has written
    answers inside its transaction."""
    owner = make_user(email="owner@example.jp")
    assessment = _assessment(make_company(owner), owner, filled=False)
    first = {
        i: {"current": 1, "target": 2, "evidence": "最初", "action": ""} for i in STEP.item_ids
    }
    services.save_step(assessment, STEP, first, 0, owner)
    aid = assessment.id
    marker = tmp_path / "kill-next-save"
    live = LiveServer(
        _database_url(db),
        tmp_path,
        *("-w", "2", "-k", "sync", "-c", "tests/integration/gunicorn_kill_mid_save.py"),
        env={"KILL_MARKER": str(marker)},
    )
    try:
        browser = Browser(live.base)
        browser.login(owner.email, PASSWORD)
        url = f"/assessments/{aid}/steps/{STEP.id}"
        token, version = browser.get_form(url)
        assert version == "1"
        marker.write_text("armed")
        with pytest.raises(OSError):  # the connection drops: the worker is gone
            browser.request(url, _step_form(token, version, 4, 5, "途中で落ちた保存"))
        assert (tmp_path / "kill-next-save.done").exists(), "no worker was killed"

        db.session.rollback()
        state = db.session.get(StepState, (aid, STEP.id), populate_existing=True)
        assert state.version == 1  # the version bump was not committed
        stored = {
            a.item_id: (a.current_level, a.target_level, a.evidence)
            for a in db.session.scalars(db.select(Answer).where(Answer.assessment_id == aid))
        }
        assert stored == {i: (1, 2, "最初") for i in STEP.item_ids}  # no answer half-written

        # The arbiter replaced the worker; the same form, posted again, saves (nothing held).
        deadline = time.monotonic() + 30
        while True:
            try:
                status, _, _ = browser.request(url, _step_form(token, "1", 4, 5, "再送した保存"))
                break
            except OSError:
                assert time.monotonic() < deadline, "the server did not recover"
                time.sleep(0.5)
        assert status == 302
        db.session.rollback()
        state = db.session.get(StepState, (aid, STEP.id), populate_existing=True)
        assert state.version == 2
        answers = db.session.scalars(db.select(Answer).where(Answer.assessment_id == aid))
        assert {(a.current_level, a.target_level, a.evidence) for a in answers} == {
            (4, 5, "再送した保存")
        }
    finally:
        live.stop()
