"""Team mode end to end through the pages: the owner runs the round, participants give their own
views (never seeing the others' before submitting), the owner reads the divergence and sets the
consensus through the questionnaire's own save."""

import pytest

from app.models import Answer, AuditEvent, TeamParticipant, TeamView
from app.team import services as team
from app.web.mail import outbox
from tests.conftest import csrf_from
from tests.integration.team.team_helpers import (
    INDEX,
    join,
    post_form,
    rate_all,
    view_payload,
)
from tests.pages import Page

FIRST = INDEX.steps[0]


@pytest.fixture()
def world(db, make_user, make_company, owner_with_assessment, app):
    owner, company, assessment = owner_with_assessment
    people = {}
    for name, role in (
        ("exec", "editor"),
        ("it", "viewer"),
        ("biz", "viewer"),
        ("other", "viewer"),
    ):
        people[name] = make_user(email=f"{name}@example.jp", display_name=f"{name}さん")
        join(db, company, people[name], role)
    return owner, company, assessment, people


def _manage(aid):
    return f"/assessments/{aid}/team"


def test_owner_starts_adds_a_participant_and_mails_the_link(client, world, db):
    owner, company, assessment, people = world
    aid = assessment.id
    page = Page(client.get(_manage(aid)))
    assert page.h1.startswith("チームで評価")
    assert post_form(client, _manage(aid), f"{_manage(aid)}/start").status_code == 302
    response = post_form(
        client,
        _manage(aid),
        f"{_manage(aid)}/participants",
        {
            "user_id": str(people["it"].id),
            "perspective": "it_dept",
            **{f"step-{s.id}": "y" for s in INDEX.steps},
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:400]
    participant = db.session.scalar(db.select(TeamParticipant))
    assert (participant.user_id, participant.perspective, participant.item_ids) == (
        people["it"].id,
        "it_dept",
        None,
    )

    outbox().clear()
    url = f"{_manage(aid)}/participants/{participant.id}/mail"
    assert post_form(client, _manage(aid), url).status_code == 302
    (mail,) = outbox()
    assert mail["to"] == "it@example.jp"
    assert f"/assessments/{aid}/team/mine" in mail["body"]
    # the progress table: one participant, nothing rated, mail sent
    rows = Page(client.get(_manage(aid))).table("#team-progress")
    assert rows[1][1] == "IT部門"
    assert rows[1][2] == f"0 / {len(INDEX.items)}項目"
    assert rows[1][3] == "入力中"
    # a reminder goes to everyone who has not submitted, and says so
    outbox().clear()
    assert post_form(client, _manage(aid), f"{_manage(aid)}/remind").status_code == 302
    assert [m["to"] for m in outbox()] == ["it@example.jp"]
    assert outbox()[0]["subject"].startswith("【リマインド】")
    events = db.session.scalars(db.select(AuditEvent.event)).all()
    assert {"team_started", "team_participant_added"} <= set(events)


def test_only_chosen_steps_are_asked(client, world, db):
    owner, company, assessment, people = world
    aid = assessment.id
    post_form(client, _manage(aid), f"{_manage(aid)}/start")
    post_form(
        client,
        _manage(aid),
        f"{_manage(aid)}/participants",
        {"user_id": str(people["it"].id), "perspective": "it_dept", f"step-{FIRST.id}": "y"},
    )
    participant = db.session.scalar(db.select(TeamParticipant))
    assert participant.item_ids == list(FIRST.item_ids)


@pytest.mark.parametrize(
    "data, message",
    [
        ({"perspective": "ceo", f"step-{FIRST.id}": "y"}, "立場"),
        ({"perspective": "it_dept", "step-no-such-step": "y"}, "評価を依頼するステップ"),
        ({"perspective": "it_dept"}, "ステップ"),
    ],
)
def test_bad_participant_input_is_refused_and_nothing_added(client, world, db, data, message):
    owner, company, assessment, people = world
    aid = assessment.id
    post_form(client, _manage(aid), f"{_manage(aid)}/start")
    response = post_form(
        client,
        _manage(aid),
        f"{_manage(aid)}/participants",
        {"user_id": str(people["it"].id), **data},
    )
    assert response.status_code == 400
    assert message in Page(response).text("main")
    assert db.session.scalar(db.select(db.func.count()).select_from(TeamParticipant)) == 0


def test_another_companys_member_cannot_be_added(client, world, db, make_user, make_company):
    owner, company, assessment, people = world
    stranger = make_user(email="stranger@example.jp")
    make_company(stranger, name="他社")
    aid = assessment.id
    post_form(client, _manage(aid), f"{_manage(aid)}/start")
    response = post_form(
        client,
        _manage(aid),
        f"{_manage(aid)}/participants",
        {"user_id": str(stranger.id), "perspective": "it_dept", f"step-{FIRST.id}": "y"},
    )
    assert response.status_code == 400
    assert db.session.scalar(db.select(db.func.count()).select_from(TeamParticipant)) == 0


def _team_of_three(assessment, owner, people):
    team.start(assessment, owner)
    return {
        name: team.add_participant(
            assessment, people[name].id, perspective, [s.id for s in INDEX.steps], owner
        )
        for name, perspective in (("exec", "executive"), ("it", "it_dept"), ("biz", "business"))
    }


def test_participant_saves_submits_and_only_then_sees_the_others(app, world, db, login):
    owner, company, assessment, people = world
    parts = _team_of_three(assessment, owner, people)
    rate_all(assessment, parts["exec"], 1, note="経営幹部の秘密メモ")
    it = login("it@example.jp", c=app.test_client())
    aid = assessment.id

    # before submitting: own pages only, never another's level or note
    mine = Page(it.get(f"/assessments/{aid}/team/mine"))
    assert mine.status_code == 200 and mine.h1.startswith("自分の評価")
    step_url = f"/assessments/{aid}/team/mine/{FIRST.id}"
    step = it.get(step_url)
    assert step.status_code == 200
    for url in (
        f"/assessments/{aid}/team/mine",
        step_url,
        f"/assessments/{aid}/review",
        f"/assessments/{aid}/steps/{FIRST.id}",
    ):
        assert "経営幹部の秘密メモ" not in it.get(url).get_data(as_text=True), url
    assert it.get(f"/assessments/{aid}/team/divergence").status_code == 403
    assert it.get(f"/assessments/{aid}/team/consensus/{FIRST.id}").status_code == 403

    # an out-of-range level is refused, nothing saved
    bad = view_payload(FIRST, step, 7, 3)
    response = it.post(step_url, data=bad)
    assert response.status_code == 400
    assert "0〜5のレベルから選択してください。" in Page(response).field_errors()
    assert (
        db.session.scalar(
            db.select(db.func.count())
            .select_from(TeamView)
            .where(TeamView.participant_id == parts["it"].id)
        )
        == 0
    )
    # a field of an item not on this page is refused
    other_item = INDEX.steps[1].item_ids[0]
    response = it.post(
        step_url, data={**view_payload(FIRST, step, 3, 4), f"item-{other_item}-current": "3"}
    )
    assert response.status_code == 400

    for s in INDEX.steps:
        url = f"/assessments/{aid}/team/mine/{s.id}"
        response = it.post(url, data=view_payload(s, it.get(url), 4, 5, note="IT目線のメモ"))
        assert response.status_code == 302, response.get_data(as_text=True)[:300]
    page = it.get(f"/assessments/{aid}/team/mine")
    response = it.post(f"/assessments/{aid}/team/mine/submit", data={"csrf_token": csrf_from(page)})
    assert response.headers["Location"].endswith(f"/assessments/{aid}/team/divergence")
    # a second submit records nothing more
    it.post(f"/assessments/{aid}/team/mine/submit", data={"csrf_token": csrf_from(page)})
    submitted = db.session.scalars(
        db.select(AuditEvent).where(AuditEvent.event == "team_view_submitted")
    ).all()
    assert len(submitted) == 2  # exec (service) + it (page), once each
    # after submitting: the divergence page shows both views
    divergence = Page(it.get(f"/assessments/{aid}/team/divergence"))
    assert divergence.status_code == 200
    heat = divergence.table("#heat-map")
    assert heat[0] == ["項目", "ばらつき", "経営幹部", "IT部門"]
    assert heat[1][1:] == ["3", "経営幹部 平均 1.00", "IT部門 平均 4.00"]
    # the view can no longer change
    response = it.post(step_url, data=view_payload(FIRST, it.get(step_url), 0, 0))
    assert response.status_code == 409


@pytest.mark.parametrize("blank", ["", "  ", "　"])
def test_a_level_of_only_spaces_in_a_view_is_no_answer(app, world, db, login, blank):
    owner, company, assessment, people = world
    parts = _team_of_three(assessment, owner, people)
    it = login("it@example.jp", c=app.test_client())
    step_url = f"/assessments/{assessment.id}/team/mine/{FIRST.id}"
    data = view_payload(FIRST, it.get(step_url), 4, 5)
    first = FIRST.item_ids[0]
    data[f"item-{first}-current"] = blank
    response = it.post(step_url, data=data)
    assert response.status_code == 302, Page(response).error_summary()
    views = {
        v.item_id: (v.current_level, v.target_level)
        for v in db.session.scalars(
            db.select(TeamView).where(TeamView.participant_id == parts["it"].id)
        )
    }
    assert views[first] == (None, 5)
    assert views[FIRST.item_ids[1]] == (4, 5)


def test_divergence_page_figures_and_sentence(client, world, db):
    owner, company, assessment, people = world
    parts = _team_of_three(assessment, owner, people)
    fw = INDEX.frameworks
    first_fw_items = set(fw[0].item_ids)
    rate_all(assessment, parts["exec"], 1)
    rate_all(assessment, parts["it"], lambda i: 2 if i in first_fw_items else 4)
    page = Page(client.get(f"/assessments/{assessment.id}/team/divergence"))
    assert page.status_code == 200
    means = page.table("#framework-means")
    assert means[0] == ["枠組み", "経営幹部", "IT部門"]
    assert means[1] == [fw[0].name, "1.00", "2.00"]
    sentences = page.texts(".divergence-sentences li")
    assert sentences[0] == f"IT部門は「{fw[0].name}」を経営幹部より1.0レベル高く評価"
    if len(fw) > 1:
        assert sentences[1] == f"IT部門は「{fw[1].name}」を経営幹部より3.0レベル高く評価"
    # widest spread first: the second framework's items (4 - 1) before the first's (2 - 1)
    heat = page.table("#heat-map")
    spreads = [int(r[1]) for r in heat[1:]]
    assert spreads == sorted(spreads, reverse=True)


def test_consensus_quotes_a_note_and_saves_the_company_answer(client, world, db):
    owner, company, assessment, people = world
    parts = _team_of_three(assessment, owner, people)
    rate_all(assessment, parts["it"], 3, note="基幹システムは刷新済み")
    aid = assessment.id
    url = f"/assessments/{aid}/team/consensus/{FIRST.id}"
    page = Page(client.get(url))
    assert page.status_code == 200
    view = db.session.scalar(db.select(TeamView).where(TeamView.item_id == FIRST.item_ids[0]))
    data = {"csrf_token": page.csrf_token, "version": page.field_value("version"), "nav": "next"}
    for item_id in FIRST.item_ids:
        data |= {
            f"item-{item_id}-current": "2",
            f"item-{item_id}-target": "4",
            f"item-{item_id}-evidence": "会議で合意",
            f"item-{item_id}-action": "",
        }
    # a quote of a note that is not on this step (or not this round's) is refused
    response = client.post(url, data={**data, "quote-evidence-999999": "1"})
    assert response.status_code == 400
    assert db.session.scalar(db.select(db.func.count()).select_from(Answer)) == 0
    response = client.post(url, data={**data, f"quote-evidence-{view.id}": "1"})
    assert response.status_code == 302, Page(response).error_summary()
    answer = db.session.scalar(db.select(Answer).where(Answer.item_id == FIRST.item_ids[0]))
    assert (answer.current_level, answer.target_level) == (2, 4)
    assert answer.evidence == "会議で合意\n［IT部門・itさん］基幹システムは刷新済み"
    assert (
        db.session.scalar(db.select(AuditEvent).where(AuditEvent.event == "team_consensus_set"))
        is not None
    )
    # a level of only spaces is no answer, as an empty one (the step page's own reading)
    blank = {**data, "item-" + FIRST.item_ids[1] + "-current": "  "}
    response = client.post(
        url, data={**blank, "version": Page(client.get(url)).field_value("version")}
    )
    assert response.status_code == 302, Page(response).error_summary()
    second = db.session.scalar(db.select(Answer).where(Answer.item_id == FIRST.item_ids[1]))
    assert (second.current_level, second.target_level) == (None, 4)
    # a stale version is a conflict, as on the step page: nothing overwritten
    response = client.post(url, data={**data, "item-" + FIRST.item_ids[0] + "-current": "5"})
    assert response.status_code == 409
    db.session.expire_all()
    assert db.session.get(Answer, answer.id).current_level == 2


def test_stop_closes_views_and_remove_takes_a_participant_out(client, world, db, app, login):
    owner, company, assessment, people = world
    parts = _team_of_three(assessment, owner, people)
    aid = assessment.id
    url = f"{_manage(aid)}/participants/{parts['biz'].id}/remove"
    assert post_form(client, _manage(aid), url).status_code == 302
    remaining = db.session.scalars(db.select(TeamParticipant.user_id)).all()
    assert sorted(remaining) == sorted([people["exec"].id, people["it"].id])
    assert post_form(client, _manage(aid), f"{_manage(aid)}/stop").status_code == 302
    it = login("it@example.jp", c=app.test_client())
    step_url = f"/assessments/{aid}/team/mine/{FIRST.id}"
    response = it.post(step_url, data=view_payload(FIRST, it.get(step_url), 3, 3))
    assert response.status_code == 409
    events = set(db.session.scalars(db.select(AuditEvent.event)))
    assert {"team_participant_removed", "team_stopped"} <= events


def test_an_editor_participant_sees_the_consensus_only_after_their_own_view(app, world, db, login):
    owner, company, assessment, people = world
    parts = _team_of_three(assessment, owner, people)  # exec is an editor
    rate_all(assessment, parts["it"], 4, note="IT部門の秘密メモ")
    editor = login("exec@example.jp", c=app.test_client())
    url = f"/assessments/{assessment.id}/team/consensus/{FIRST.id}"
    response = editor.get(url)
    assert response.status_code == 403
    assert "IT部門の秘密メモ" not in response.get_data(as_text=True)
    rate_all(assessment, parts["exec"], 1)
    page = Page(editor.get(url))
    assert page.status_code == 200
    assert "IT部門の秘密メモ" in page.texts(".team-note")
