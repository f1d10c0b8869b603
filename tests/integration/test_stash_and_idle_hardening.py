"""Issue 9, findings 1, 2 and 7: who may leave a stashed step post, how it comes back, and the
idle timeout of the cookie the login response sets."""

import time
import types
from datetime import timedelta

from bs4 import BeautifulSoup

from app.assessments.stash import STASHES_PER_USER
from app.models import Answer, StashedPost
from app.models._time import utcnow
from app.models.assessment import EVIDENCE_MAX
from questionnaires import load_index
from tests.conftest import PASSWORD, csrf_from
from tests.integration.helpers import step_payload

INDEX = load_index("2019-07")
STEP = INDEX.steps[0]


def _stashes(db) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(StashedPost))


def _expire(app, client) -> None:
    with client.session_transaction() as session:
        session["last_seen"] = int(time.time()) - app.config["SESSION_IDLE_SECONDS"] - 60


def _post_after_expiry(app, client, assessment, step=STEP, evidence="長考の末の回答", **kw):
    url = f"/assessments/{assessment.id}/steps/{step.id}"
    data = step_payload(step, 3, 5, evidence=evidence, page=client.get(url))
    data.update(kw)
    _expire(app, client)
    return client.post(url, data=data)


def _page(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


# --- finding 1: anonymous writes, enumeration, size, cap, purge ---------------------------------


def test_anonymous_step_posts_store_nothing_and_look_alike_for_any_id(
    app, db, make_user, make_company
):
    from app.assessments import services

    owner = make_user(email="owner@example.jp")
    assessment = services.start_assessment(
        make_company(owner), 2026, owner, prefill=False, index_version="2019-07"
    )
    anonymous = app.test_client()
    token = csrf_from(anonymous.get("/login"))
    body = {"item-1-evidence": "x" * 1_000_000}
    answers = {}
    for assessment_id in (assessment.id, 987654):
        url = f"/assessments/{assessment_id}/steps/{STEP.id}"
        without = anonymous.post(url, data=body)
        with_token = anonymous.post(url, data={**body, "csrf_token": token})
        answers[assessment_id] = (without.status_code, with_token.status_code)
    assert answers[assessment.id] == answers[987654]
    assert all(code < 500 for code in answers[assessment.id])
    assert _stashes(db) == 0


def test_a_stash_is_bounded_in_size(app, client, db, owner_with_assessment):
    _, _, assessment = owner_with_assessment
    item = STEP.item_ids[0]
    too_long = {f"item-{item}-evidence": "あ" * (EVIDENCE_MAX + 1)}
    response = _post_after_expiry(app, client, assessment, **too_long)
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert _stashes(db) == 0


def test_a_user_keeps_only_a_few_stashes(app, client, db, login, owner_with_assessment):
    owner, _, assessment = owner_with_assessment
    for step in INDEX.steps[: STASHES_PER_USER + 2]:
        _post_after_expiry(app, client, assessment, step=step)
        login(owner.email)
    assert _stashes(db) == STASHES_PER_USER
    # A second post of the same step replaces its stash.
    _post_after_expiry(app, client, assessment, step=INDEX.steps[-1])
    assert _stashes(db) == STASHES_PER_USER


def test_a_viewer_whose_session_expired_leaves_no_stash(
    app, db, make_user, login, owner_with_assessment, add_member
):
    _, company, assessment = owner_with_assessment
    viewer = make_user(email="viewer@example.jp")
    add_member(company, viewer, "viewer")
    viewer_client = login(viewer.email, c=app.test_client())
    _post_after_expiry(app, viewer_client, assessment)
    assert _stashes(db) == 0


def test_stale_stashes_are_purged_by_the_flask_command(app, db, owner_with_assessment):
    owner, _, assessment = owner_with_assessment
    for stash_id, age in (("old", timedelta(hours=25)), ("new", timedelta(hours=1))):
        db.session.add(
            StashedPost(
                id=stash_id,
                user_id=owner.id,
                assessment_id=assessment.id,
                step_id=STEP.id,
                payload={},
                created_at=utcnow() - age,
            )
        )
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["stashes", "purge"])
    assert result.exit_code == 0, result.output
    assert "purged 1" in result.output
    assert db.session.scalars(db.select(StashedPost.id)).all() == ["new"]


# --- finding 2: no stash from another site, and a restored draft is visible -------------------


def test_a_cross_site_post_neither_stashes_nor_touches_the_victims_session(
    app, client, db, owner_with_assessment
):
    _, company, assessment = owner_with_assessment
    url = f"/assessments/{assessment.id}/steps/{STEP.id}"
    attack = step_payload(STEP, 0, 0, evidence="攻撃者の根拠")
    # SameSite=Lax: the browser sends no cookie with another site's POST.
    response = app.test_client().post(url, data=attack)
    assert response.status_code == 400
    assert "Set-Cookie" not in response.headers  # the victim's cookie is not replaced
    # Even were the cookie sent, no token means no stash and no restored input.
    response = client.post(url, data=attack)
    assert response.status_code == 400
    assert _stashes(db) == 0
    assert client.get(f"/companies/{company.id}").status_code == 200  # still logged in
    page = _page(client.get(url))
    assert page.select_one("#restored-draft") is None
    assert "攻撃者の根拠" not in page.get_text()


def test_a_stash_needs_the_expired_sessions_own_token(app, client, db, owner_with_assessment):
    _, _, assessment = owner_with_assessment
    foreign = csrf_from(app.test_client().get("/login"))
    _post_after_expiry(app, client, assessment, csrf_token=foreign)
    assert _stashes(db) == 0


def test_a_restored_draft_is_shown_as_such_once_and_can_be_discarded(
    app, client, db, login, owner_with_assessment
):
    owner, _, assessment = owner_with_assessment
    url = f"/assessments/{assessment.id}/steps/{STEP.id}"
    _post_after_expiry(app, client, assessment, evidence="下書きの根拠")
    assert _stashes(db) == 1
    login(owner.email)
    page = _page(client.get(url))
    banner = page.select_one("#restored-draft")
    assert banner is not None and "まだ保存されていません" in banner.get_text()
    assert page.find("textarea", string="下書きの根拠") is not None
    assert db.session.scalar(db.select(db.func.count(Answer.id))) == 0  # not saved
    assert _stashes(db) == 0  # purged on use
    discard = banner.find("a", string=lambda s: s and "破棄" in s)
    again = _page(client.get(discard["href"]))
    assert again.select_one("#restored-draft") is None
    assert again.find("textarea", string="下書きの根拠") is None


# --- finding 7: the login response's cookie carries the activity time -------------------------


def test_the_login_cookie_replayed_after_the_idle_timeout_is_refused(
    app, client, make_user, make_company, monkeypatch
):
    owner = make_user(email="owner@example.jp")
    company = make_company(owner)
    page = client.get("/login")
    login = client.post(
        "/login", data={"email": owner.email, "password": PASSWORD, "csrf_token": csrf_from(page)}
    )
    assert login.status_code == 302
    cookie = client.get_cookie("session").value  # exactly what the login response set
    later = time.time() + app.config["SESSION_IDLE_SECONDS"] + 60
    import app.auth.session as session_module

    monkeypatch.setattr(session_module, "time", types.SimpleNamespace(time=lambda: later))
    thief = app.test_client()
    thief.set_cookie("session", cookie)
    response = thief.get(f"/companies/{company.id}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
