"""Two tabs, double submits and expired sessions: nothing is silently lost or recorded twice.

The questionnaire tests run on the 3-item, 2-step test index (tests/fixtures/questionnaires):
they are about the mechanism, not about the 35 items."""

import threading
import time

from app.assessments import services
from app.models import Answer, Assessment, AuditEvent, StashedPost, StepState
from tests.conftest import PASSWORD, csrf_from
from tests.integration.helpers import TINY, fill_all_steps, step_payload, submit

INDEX = TINY
STEP = INDEX.steps[0]
FIRST_ITEM = STEP.item_ids[0]


def _levels(db, item_id):
    answer = db.session.scalar(db.select(Answer).where(Answer.item_id == item_id))
    db.session.refresh(answer)
    return answer.current_level, answer.target_level


def _step(assessment, step=STEP):
    return {"assessment_id": assessment.id, "step_id": step.id}


def test_two_tabs_second_save_gets_conflict_with_both_values(
    client_request, db, owner_with_tiny_assessment
):
    _, _, assessment = owner_with_tiny_assessment
    tab_a = client_request.get("assessments.step", **_step(assessment))
    tab_b = client_request.get("assessments.step", **_step(assessment))
    client_request.post(
        "assessments.step", _data=step_payload(STEP, 1, 2, page=tab_a), **_step(assessment)
    )
    conflict = client_request.post(
        "assessments.step",
        _data=step_payload(STEP, 4, 5, evidence="タブB", page=tab_b),
        _expected_status=409,
        **_step(assessment),
    )
    assert (
        conflict.text(".conflict h2") == "他の画面（または他の方）が先にこのステップを保存しました"
    )
    # Both values side by side: theirs (A's save) and mine (B's input), for every item.
    rows = conflict.table(".conflict table")
    assert rows[0] == ["項目", "先に保存された内容", "あなたの入力"]
    assert [row[1:] for row in rows[1:]] == [["現在 1 / 目標 2", "現在 4 / 目標 5 タブB"]] * len(
        STEP.item_ids
    )
    for item_id in STEP.item_ids:  # B's input is still in the form
        assert conflict.field_value(f"item-{item_id}-evidence") == "タブB"
        assert conflict.field_value(f"item-{item_id}-current") == "4"
    assert _levels(db, FIRST_ITEM) == (1, 2)  # A's save stands
    # B re-saves from the conflict page (it carries the new version): now B wins, knowingly.
    assert conflict.field_value("version") == "1"
    client_request.post(
        "assessments.step", _data=step_payload(STEP, 4, 5, page=conflict), **_step(assessment)
    )
    assert _levels(db, FIRST_ITEM) == (4, 5)
    state = db.session.get(StepState, (assessment.id, STEP.id))
    db.session.refresh(state)
    assert state.version == 2


def test_two_tabs_on_a_step_saved_before_one_wins_the_other_sees_both_values(
    client_request, db, owner_with_tiny_assessment
):
    """The same race on a step saved once already (the version bump, not the step's first row:
    on PostgreSQL the bump and the answers' upsert are one statement): the later save writes
    nothing, not even the items whose values would not clash, and its step version stays."""
    _, _, assessment = owner_with_tiny_assessment
    first = client_request.get("assessments.step", **_step(assessment))
    client_request.post(
        "assessments.step", _data=step_payload(STEP, 0, 1, page=first), **_step(assessment)
    )
    tab_a = client_request.get("assessments.step", **_step(assessment))
    tab_b = client_request.get("assessments.step", **_step(assessment))
    assert tab_a.field_value("version") == tab_b.field_value("version") == "1"
    client_request.post(
        "assessments.step",
        _data=step_payload(STEP, 1, 2, evidence="タブA", page=tab_a),
        **_step(assessment),
    )
    conflict = client_request.post(
        "assessments.step",
        _data=step_payload(STEP, 4, 5, evidence="タブB", page=tab_b),
        _expected_status=409,
        **_step(assessment),
    )
    rows = conflict.table(".conflict table")
    assert [row[1:] for row in rows[1:]] == [
        ["現在 1 / 目標 2 タブA", "現在 4 / 目標 5 タブB"]
    ] * len(STEP.item_ids)
    assert conflict.field_value("version") == "2"
    for item_id in STEP.item_ids:
        assert _levels(db, item_id) == (1, 2)
    evidence = db.select(Answer.evidence).where(Answer.item_id.in_(STEP.item_ids))
    assert set(db.session.scalars(evidence)) == {"タブA"}
    state = db.session.get(StepState, (assessment.id, STEP.id))
    db.session.refresh(state)
    assert state.version == 2


def test_two_tabs_on_different_steps_both_save(client_request, db, owner_with_tiny_assessment):
    _, _, assessment = owner_with_tiny_assessment
    other = INDEX.steps[1]
    page_a = client_request.get("assessments.step", **_step(assessment))
    page_b = client_request.get("assessments.step", **_step(assessment, other))
    client_request.post(
        "assessments.step", _data=step_payload(STEP, 1, 2, page=page_a), **_step(assessment)
    )
    client_request.post(
        "assessments.step",
        _data=step_payload(other, 3, 4, page=page_b),
        **_step(assessment, other),
    )
    assert db.session.scalar(db.select(db.func.count(Answer.id))) == len(STEP.item_ids) + len(
        other.item_ids
    )


def test_double_submit_records_one_submission(
    client, client_request, db, owner_with_tiny_assessment
):
    _, _, assessment = owner_with_tiny_assessment
    fill_all_steps(client, assessment.id, INDEX)
    review = client_request.get("assessments.review", assessment_id=assessment.id)
    data = {"version": review.field_value("version")}
    client_request.post("assessments.submit", _data=data, _from=review, assessment_id=assessment.id)
    client_request.post("assessments.submit", _data=data, _from=review, assessment_id=assessment.id)
    events = db.session.scalars(db.select(AuditEvent).where(AuditEvent.event == "submit")).all()
    assert len(events) == 1
    db.session.refresh(assessment)
    assert assessment.status == "submitted" and assessment.version == 2


def test_concurrent_submits_from_threads_record_one(app, db, owner_with_tiny_assessment, client):
    owner, _, assessment = owner_with_tiny_assessment
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


def test_target_below_current_needs_confirmation(
    client, client_request, db, owner_with_tiny_assessment
):
    _, _, assessment = owner_with_tiny_assessment
    fill_all_steps(client, assessment.id, INDEX, current=4, target=3)
    review = client_request.get("assessments.review", assessment_id=assessment.id)
    warning = review.text("form .flash-warning p")
    assert warning == "次の項目は目標値が現在値を下回っています: " + "、".join(INDEX.item_ids)
    assert review.field_value("confirm_lower_targets") is None  # not ticked for the user
    submit(client, assessment.id)
    db.session.refresh(assessment)
    assert assessment.status == "draft"
    submit(client, assessment.id, confirm_lower=True)
    db.session.refresh(assessment)
    assert assessment.status == "submitted"


def _stash_after_idle_timeout(app, client_request, assessment, evidence):
    """Open the step, let the session expire, then post: the post is kept, not saved."""
    page = client_request.get("assessments.step", **_step(assessment))
    app.config["SESSION_IDLE_SECONDS"] = 1
    try:
        time.sleep(1.5)
        return client_request.post(
            "assessments.step",
            _data=step_payload(STEP, 3, 5, evidence=evidence, page=page),
            **_step(assessment),
        )
    finally:
        app.config["SESSION_IDLE_SECONDS"] = 1800


def test_post_after_idle_timeout_is_kept_and_offered_back(
    app, client_request, db, owner_with_tiny_assessment
):
    owner, _, assessment = owner_with_tiny_assessment
    response = _stash_after_idle_timeout(app, client_request, assessment, "長考の末の回答")
    assert "/login" in response.location
    assert db.session.scalar(db.select(db.func.count(Answer.id))) == 0  # not saved blindly
    assert db.session.scalar(db.select(db.func.count(StashedPost.id))) == 1
    # Log in again: the step shows the stashed input, and saving it stores it.
    client_request.login(owner)
    restored = client_request.get("assessments.step", **_step(assessment))
    assert restored.error_summary() == []
    assert restored.text("#restored-draft h2") == (
        "前回保存できなかった入力内容を復元しました（まだ保存されていません）"
    )
    for item_id in STEP.item_ids:
        assert restored.field_value(f"item-{item_id}-evidence") == "長考の末の回答"
        assert restored.field_value(f"item-{item_id}-current") == "3"
        assert restored.field_value(f"item-{item_id}-target") == "5"
    client_request.post(
        "assessments.step",
        _data=step_payload(STEP, 3, 5, evidence="長考の末の回答", page=restored),
        **_step(assessment),
    )
    assert _levels(db, FIRST_ITEM) == (3, 5)
    assert db.session.scalar(db.select(db.func.count(StashedPost.id))) == 0


def test_stash_is_not_offered_to_another_user_in_the_same_browser(
    app, client_request, db, owner_with_tiny_assessment, add_member, make_user
):
    owner, company, assessment = owner_with_tiny_assessment
    editor = make_user(email="editor@example.jp")
    add_member(company, editor, "editor")
    _stash_after_idle_timeout(app, client_request, assessment, "社外秘の根拠")
    assert db.session.scalar(db.select(db.func.count(StashedPost.id))) == 1
    # A colleague logs in on the same browser: the owner's stashed text is not shown to them.
    client_request.login(editor)
    page = client_request.get("assessments.step", **_step(assessment))
    assert "社外秘の根拠" not in page.html and "復元しました" not in page.html
    assert page.error_summary() == []
    for item_id in STEP.item_ids:
        assert page.field_value(f"item-{item_id}-evidence") == ""


def test_session_cookie_replayed_after_logout_is_refused(
    client, client_request, owner_with_tiny_assessment
):
    _, company, _ = owner_with_tiny_assessment
    cookie = client.get_cookie("session").value
    page = client_request.get("companies.dashboard", company_id=company.id)
    client_request.post("auth.logout", _from=page)
    thief = client_request.new_session()
    thief.client.set_cookie("session", cookie)
    response = thief.get("companies.dashboard", company_id=company.id, _expected_status=302)
    assert "/login" in response.location


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


def test_a_step_open_for_two_hours_still_saves(client, db, owner_with_tiny_assessment, monkeypatch):
    """CSRF tokens are tied to the session, not to the hour Flask-WTF allows by default."""
    import flask_wtf.csrf
    import itsdangerous

    class TwoHoursAgoSigner(itsdangerous.TimestampSigner):
        def get_timestamp(self):
            return int(time.time()) - 2 * 3600

    class OldTokenSerializer(itsdangerous.URLSafeTimedSerializer):
        default_signer = TwoHoursAgoSigner

    _, _, assessment = owner_with_tiny_assessment
    url = f"/assessments/{assessment.id}/steps/{STEP.id}"
    monkeypatch.setattr(flask_wtf.csrf, "URLSafeTimedSerializer", OldTokenSerializer)
    page = client.get(url)  # the token is signed two hours in the past
    assert page.status_code == 200, page.headers.get("Location")
    monkeypatch.undo()
    response = client.post(url, data=step_payload(STEP, 2, 3, page=page))
    assert response.status_code == 302
    assert _levels(db, FIRST_ITEM) == (2, 3)


def test_a_save_in_the_browser_holding_a_stash_drops_it(
    app, client_request, db, owner_with_tiny_assessment
):
    owner, _, assessment = owner_with_tiny_assessment
    _stash_after_idle_timeout(app, client_request, assessment, "長考の末の回答")
    client_request.login(owner)  # the new session keeps the stash id
    other_step = client_request.get("assessments.step", **_step(assessment, INDEX.steps[1]))
    client_request.post(  # saved without opening the stashed step first
        "assessments.step",
        _data=step_payload(STEP, 1, 2, page=other_step),
        **_step(assessment),
    )
    assert _levels(db, FIRST_ITEM) == (1, 2)
    assert db.session.scalar(db.select(db.func.count(StashedPost.id))) == 0


def test_a_save_from_another_browser_keeps_the_stash_and_its_version(
    app, client_request, db, owner_with_tiny_assessment
):
    """Browser A's post after its idle timeout is kept; the same user saves the step in browser
    B meanwhile. A's typed input is not dropped: it comes back in A, and saving it there is a
    conflict that shows both values (nothing overwritten silently)."""
    owner, _, assessment = owner_with_tiny_assessment
    _stash_after_idle_timeout(app, client_request, assessment, "Aで入力")
    browser_b = client_request.new_session().login(owner)
    page_b = browser_b.get("assessments.step", **_step(assessment))
    browser_b.post(
        "assessments.step",
        _data=step_payload(STEP, 1, 2, evidence="Bで保存", page=page_b),
        **_step(assessment),
    )
    assert db.session.scalar(db.select(db.func.count(StashedPost.id))) == 1
    client_request.login(owner)
    restored = client_request.get("assessments.step", **_step(assessment))
    assert restored.field_value(f"item-{FIRST_ITEM}-evidence") == "Aで入力"
    assert restored.field_value("version") == "0"  # the version A typed at
    conflict = client_request.post(
        "assessments.step",
        _data=step_payload(STEP, 3, 5, evidence="Aで入力", page=restored),
        _expected_status=409,
        **_step(assessment),
    )
    assert (
        conflict.text(".conflict h2") == "他の画面（または他の方）が先にこのステップを保存しました"
    )
    assert _levels(db, FIRST_ITEM) == (1, 2)


def test_a_save_waits_for_a_submit_in_progress_and_is_refused(
    app, client, db, owner_with_tiny_assessment
):
    """A save that meets a submit not yet committed waits for it (the assessment row's lock on
    PostgreSQL, the write lock on SQLite), then finds the assessment submitted: nothing written."""
    from sqlalchemy import text

    owner, _, assessment = owner_with_tiny_assessment
    fill_all_steps(client, assessment.id, INDEX)  # every step saved once: version 1
    before = _levels(db, FIRST_ITEM)
    values = {
        i: {"current": 5, "target": 5, "evidence": "遅れた保存", "action": ""}
        for i in STEP.item_ids
    }
    results = []

    def save():
        with app.app_context():
            a = db.session.get(Assessment, assessment.id)
            try:
                results.append(services.save_step(a, STEP, values, 1, owner))
            except Exception as exc:  # noqa: BLE001 - the outcome is what is asserted
                results.append(exc)
            finally:
                db.session.remove()

    submitting = db.engine.connect()
    try:
        submitting.execute(
            text("UPDATE assessments SET status = 'submitted' WHERE id = :id"),
            {"id": assessment.id},
        )
        saver = threading.Thread(target=save)
        saver.start()
        saver.join(0.7)
        assert saver.is_alive()  # waiting for the submit's transaction
        submitting.commit()
    finally:
        submitting.close()
    saver.join(10)
    assert len(results) == 1 and isinstance(results[0], services.AssessmentLocked), results
    assert _levels(db, FIRST_ITEM) == before
