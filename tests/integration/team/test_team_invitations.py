"""Someone who is not a member yet: the owner invites them with a perspective; the invitation
mail links to accepting; on accepting they become a member and a participant (issue 17)."""

import re

from app.models import Membership, TeamParticipant
from app.team import services as team
from app.web.mail import outbox
from tests.conftest import csrf_from
from tests.integration.team.team_helpers import post_form
from tests.pages import Page


def _invite(client, assessment, email, perspective="dx_dept"):
    """As a browser sends the form: every step's box is ticked unless the owner unticks it."""
    from questionnaires import load_index

    manage = f"/assessments/{assessment.id}/team"
    data = {"invite-email": email, "invite-perspective": perspective}
    data |= {f"step-{s.id}": "y" for s in load_index(assessment.index_version).steps}
    return post_form(client, manage, f"{manage}/invitations", data)


def _accept(app, login, make_user, email):
    (mail,) = [m for m in outbox() if m["to"] == email]
    token = re.search(r"/invitations/([A-Za-z0-9_-]+)", mail["body"]).group(1)
    user = make_user(email=email)
    invitee = login(email, c=app.test_client())
    page = invitee.get(f"/invitations/{token}")
    response = invitee.post(f"/invitations/{token}/accept", data={"csrf_token": csrf_from(page)})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return user, invitee, mail


def test_an_invited_person_becomes_a_participant_on_accepting(
    app, client, db, make_user, login, owner_with_assessment
):
    owner, company, assessment = owner_with_assessment
    team.start(assessment, owner)
    outbox().clear()
    response = _invite(client, assessment, "New.Person@Example.jp")
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    pending = Page(client.get(f"/assessments/{assessment.id}/team")).table("#team-invitations")
    assert pending[1][:2] == ["new.person@example.jp", "DX部門"]
    assert db.session.scalar(db.select(TeamParticipant)) is None  # not before accepting

    user, invitee, mail = _accept(app, login, make_user, "new.person@example.jp")
    assert f"/assessments/{assessment.id}/team/mine" in mail["body"]
    assert "DX部門" in mail["body"]
    membership = db.session.scalar(db.select(Membership).where(Membership.user_id == user.id))
    assert membership.role == "viewer"
    participant = db.session.scalar(db.select(TeamParticipant))
    assert (participant.user_id, participant.perspective, participant.item_ids) == (
        user.id,
        "dx_dept",
        None,  # every item
    )
    mine = Page(invitee.get(f"/assessments/{assessment.id}/team/mine"))
    assert mine.status_code == 200
    assert mine.find("p", string="あなたの立場: DX部門") is not None
    # accepted: no longer pending; the progress table lists them
    manage = Page(client.get(f"/assessments/{assessment.id}/team"))
    assert manage.select_one("#team-invitations") is None
    assert manage.table("#team-progress")[1][1] == "DX部門"


def test_a_round_stopped_before_accepting_leaves_a_member_only(
    app, client, db, make_user, login, owner_with_assessment
):
    owner, company, assessment = owner_with_assessment
    team.start(assessment, owner)
    outbox().clear()
    assert _invite(client, assessment, "late@example.jp", "it_dept").status_code == 302
    team.stop(assessment, owner)
    user, _invitee, _mail = _accept(app, login, make_user, "late@example.jp")
    assert db.session.scalar(db.select(Membership.role).where(Membership.user_id == user.id))
    assert db.session.scalar(db.select(TeamParticipant)) is None


def test_an_invitation_needs_an_open_round_and_a_perspective(client, db, owner_with_assessment):
    owner, company, assessment = owner_with_assessment
    outbox().clear()
    assert _invite(client, assessment, "x@example.jp").status_code == 400  # not started
    team.start(assessment, owner)
    assert _invite(client, assessment, "x@example.jp", "ceo").status_code == 400
    assert _invite(client, assessment, "owner@example.jp").status_code == 400  # a member
    assert outbox() == []


def test_team_and_member_invitations_share_one_limit(
    app, client, db, owner_with_assessment, monkeypatch
):
    from app.models import Invitation
    from tests.integration.member_helpers import invite

    owner, company, assessment = owner_with_assessment
    team.start(assessment, owner)
    monkeypatch.setitem(app.config, "INVITE_LIMITS", "2 per hour")
    assert invite(client, company.id, "member@example.jp").status_code == 302
    assert _invite(client, assessment, "first@example.jp").status_code == 302
    assert _invite(client, assessment, "second@example.jp").status_code == 429
    assert invite(client, company.id, "member2@example.jp").status_code == 429
    assert db.session.scalar(db.select(db.func.count(Invitation.id))) == 2


def test_an_invitation_asks_only_the_steps_the_owner_ticked(
    app, client, db, make_user, login, owner_with_assessment
):
    from app.models import Invitation
    from questionnaires import load_index

    owner, company, assessment = owner_with_assessment
    team.start(assessment, owner)
    index = load_index(assessment.index_version)
    manage = Page(client.get(f"/assessments/{assessment.id}/team"))
    boxes = manage.select("#team-invite input[type=checkbox]")
    assert [b["name"] for b in boxes] == [f"step-{s.id}" for s in index.steps]
    assert all(b.has_attr("checked") for b in boxes)  # every item unless the owner unticks

    outbox().clear()
    first, last = index.steps[0], index.steps[-1]
    ticked = {f"step-{first.id}": "y", f"step-{last.id}": "y"}
    manage_url = f"/assessments/{assessment.id}/team"
    data = {"invite-email": "two.steps@example.jp", "invite-perspective": "it_dept", **ticked}
    assert post_form(client, manage_url, f"{manage_url}/invitations", data).status_code == 302

    user, invitee, _mail = _accept(app, login, make_user, "two.steps@example.jp")
    participant = db.session.scalar(db.select(TeamParticipant))
    assert participant.item_ids == [*first.item_ids, *last.item_ids]

    # A box naming no step of the version, or no box at all, is refused: no invitation is made.
    count = db.session.scalar(db.select(db.func.count(Invitation.id)))
    refusals = {
        "評価を依頼するステップを選び直してください。": {"step-nope": "y"},
        "評価を依頼するステップを1つ以上選んでください。": {},
    }
    for message, boxes in refusals.items():
        data = {"invite-email": "x@example.jp", "invite-perspective": "it_dept", **boxes}
        response = post_form(client, manage_url, f"{manage_url}/invitations", data)
        assert response.status_code == 400
        assert Page(response).find(string=message) is not None
    assert db.session.scalar(db.select(db.func.count(Invitation.id))) == count
    assert [m["to"] for m in outbox()] == ["two.steps@example.jp"]
