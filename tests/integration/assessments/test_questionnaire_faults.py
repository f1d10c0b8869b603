"""Two tabs, double submits and expired sessions: nothing is silently lost or recorded twice."""

import threading
import time

from app.assessments import services
from app.models import Answer, Assessment, AuditEvent, StashedPost, StepState
from questionnaires import load_index
from tests.conftest import PASSWORD, csrf_from
from tests.integration.helpers import fill_all_steps, step_payload, submit

INDEX = load_index("2019-07")
STEP = INDEX.steps[0]


def _levels(db, item_id):
    answer = db.session.scalar(db.select(Answer).where(Answer.item_id == item_id))
    db.session.refresh(answer)
    return answer.current_level, answer.target_level


def test_two_tabs_second_save_gets_conflict_with_both_values(client, db, owner_with_assessment):
    _, _, assessment = owner_with_assessment
    url = f"/assessments/{assessment.id}/steps/{STEP.id}"
    tab_a, tab_b = client.get(url), client.get(url)
    assert client.post(url, data=step_payload(STEP, 1, 2, page=tab_a)).status_code == 302
    response = client.post(url, data=step_payload(STEP, 4, 5, evidence="タブB", page=tab_b))
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "先にこのステップを保存しました" in html
    assert "タブB" in html  # B's input is still in the form
    assert _levels(db, "1") == (1, 2)  # A's save stands
    # B re-saves from the conflict page (it carries the new version): now B wins, knowingly.
    response = client.post(url, data=step_payload(STEP, 4, 5, page=response))
    assert response.status_code == 302
    assert _levels(db, "1") == (4, 5)
    state = db.session.get(StepState, (assessment.id, STEP.id))
    db.session.refresh(state)
    assert state.version == 2


def test_two_tabs_on_different_steps_both_save(client, db, owner_with_assessment):
    _, _, assessment = owner_with_assessment
    other = INDEX.steps[1]
    page_a = client.get(f"/assessments/{assessment.id}/steps/{STEP.id}")
    page_b = client.get(f"/assessments/{assessment.id}/steps/{other.id}")
    assert (
        client.post(
            f"/assessments/{assessment.id}/steps/{STEP.id}",
            data=step_payload(STEP, 1, 2, page=page_a),
        ).status_code
        == 302
    )
    assert (
        client.post(
            f"/assessments/{assessment.id}/steps/{other.id}",
            data=step_payload(other, 3, 4, page=page_b),
        ).status_code
        == 302
    )
    assert db.session.scalar(db.select(db.func.count(Answer.id))) == len(STEP.item_ids) + len(
        other.item_ids
    )


def test_double_submit_records_one_submission(client, db, owner_with_assessment):
    _, _, assessment = owner_with_assessment
    fill_all_steps(client, assessment.id, INDEX)
    review = client.get(f"/assessments/{assessment.id}/review")
    import re

    data = {
        "csrf_token": csrf_from(review),
        "version": re.search(
            r'name="version" type="hidden" value="(\d+)"', review.get_data(as_text=True)
        ).group(1),
    }
    first = client.post(f"/assessments/{assessment.id}/submit", data=data)
    second = client.post(f"/assessments/{assessment.id}/submit", data=data)
    assert first.status_code == second.status_code == 302
    events = db.session.scalars(db.select(AuditEvent).where(AuditEvent.event == "submit")).all()
    assert len(events) == 1
    db.session.refresh(assessment)
    assert assessment.status == "submitted" and assessment.version == 2


def test_concurrent_submits_from_threads_record_one(app, db, owner_with_assessment, client):
    owner, _, assessment = owner_with_assessment
    fill_all_steps(client, assessment.id, INDEX)
    results = []

    def worker():
        with app.app_context():
            a = db.session.get(Assessment, assessment.id)
            try:
                results.append(services.submit(a, 1, owner))
            except Exception as exc:  # a lock timeout would be a failure of the guarantee
                results.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results, key=str) == [False, False, False, True]
    assert (
        db.session.scalar(
            db.select(db.func.count(AuditEvent.id)).where(AuditEvent.event == "submit")
        )
        == 1
    )


def test_target_below_current_needs_confirmation(client, db, owner_with_assessment):
    _, _, assessment = owner_with_assessment
    fill_all_steps(client, assessment.id, INDEX, current=4, target=3)
    review = client.get(f"/assessments/{assessment.id}/review").get_data(as_text=True)
    assert "目標値が現在値を下回っています" in review
    submit(client, assessment.id)
    db.session.refresh(assessment)
    assert assessment.status == "draft"
    submit(client, assessment.id, confirm_lower=True)
    db.session.refresh(assessment)
    assert assessment.status == "submitted"


def test_post_after_idle_timeout_is_kept_and_offered_back(app, client, db, owner_with_assessment):
    owner, _, assessment = owner_with_assessment
    url = f"/assessments/{assessment.id}/steps/{STEP.id}"
    page = client.get(url)
    app.config["SESSION_IDLE_SECONDS"] = 1
    try:
        time.sleep(1.5)
        response = client.post(
            url, data=step_payload(STEP, 3, 5, evidence="長考の末の回答", page=page)
        )
    finally:
        app.config["SESSION_IDLE_SECONDS"] = 1800
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert db.session.scalar(db.select(db.func.count(Answer.id))) == 0  # not saved blindly
    assert db.session.scalar(db.select(db.func.count(StashedPost.id))) == 1
    # Log in again: the step shows the stashed input, and saving it stores it.
    login_page = client.get("/login")
    client.post(
        "/login",
        data={"email": owner.email, "password": PASSWORD, "csrf_token": csrf_from(login_page)},
    )
    restored = client.get(url)
    html = restored.get_data(as_text=True)
    assert "前回保存できなかった入力内容を復元しました" in html
    assert "長考の末の回答" in html
    assert (
        client.post(
            url, data=step_payload(STEP, 3, 5, evidence="長考の末の回答", page=restored)
        ).status_code
        == 302
    )
    assert _levels(db, "1") == (3, 5)
    assert db.session.scalar(db.select(db.func.count(StashedPost.id))) == 0


def test_stash_is_not_offered_to_another_user_in_the_same_browser(
    app, client, db, owner_with_assessment, add_member, make_user
):
    owner, company, assessment = owner_with_assessment
    editor = make_user(email="editor@example.jp")
    add_member(company, editor, "editor")
    url = f"/assessments/{assessment.id}/steps/{STEP.id}"
    page = client.get(url)
    app.config["SESSION_IDLE_SECONDS"] = 1
    try:
        time.sleep(1.5)
        client.post(url, data=step_payload(STEP, 3, 5, evidence="社外秘の根拠", page=page))
    finally:
        app.config["SESSION_IDLE_SECONDS"] = 1800
    assert db.session.scalar(db.select(db.func.count(StashedPost.id))) == 1
    # A colleague logs in on the same browser: the owner's stashed text is not shown to them.
    login_page = client.get("/login")
    client.post(
        "/login",
        data={"email": editor.email, "password": PASSWORD, "csrf_token": csrf_from(login_page)},
    )
    html = client.get(url).get_data(as_text=True)
    assert "社外秘の根拠" not in html and "復元しました" not in html


def test_session_cookie_replayed_after_logout_is_refused(app, client, owner_with_assessment):
    _, company, _ = owner_with_assessment
    cookie = client.get_cookie("session").value
    page = client.get(f"/companies/{company.id}")
    client.post("/logout", data={"csrf_token": csrf_from(page)})
    thief = app.test_client()
    thief.set_cookie("session", cookie)
    response = thief.get(f"/companies/{company.id}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_login_issues_a_new_session(app, client, make_user):
    user = make_user(email="fixation@example.jp")
    page = client.get("/login")
    before = client.get_cookie("session").value
    client.post(
        "/login", data={"email": user.email, "password": PASSWORD, "csrf_token": csrf_from(page)}
    )
    after = client.get_cookie("session").value
    assert before != after
    # The pre-login cookie does not carry the login.
    attacker = app.test_client()
    attacker.set_cookie("session", before)
    assert attacker.get("/companies/").status_code == 302


def test_a_step_open_for_two_hours_still_saves(client, db, owner_with_assessment, monkeypatch):
    """CSRF tokens are tied to the session, not to the hour Flask-WTF allows by default."""
    import flask_wtf.csrf
    import itsdangerous

    class TwoHoursAgoSigner(itsdangerous.TimestampSigner):
        def get_timestamp(self):
            return int(time.time()) - 2 * 3600

    class OldTokenSerializer(itsdangerous.URLSafeTimedSerializer):
        default_signer = TwoHoursAgoSigner

    _, _, assessment = owner_with_assessment
    url = f"/assessments/{assessment.id}/steps/{STEP.id}"
    monkeypatch.setattr(flask_wtf.csrf, "URLSafeTimedSerializer", OldTokenSerializer)
    page = client.get(url)  # the token is signed two hours in the past
    assert page.status_code == 200, page.headers.get("Location")
    monkeypatch.undo()
    response = client.post(url, data=step_payload(STEP, 2, 3, page=page))
    assert response.status_code == 302
    assert _levels(db, "1") == (2, 3)
