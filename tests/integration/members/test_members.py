"""Company members: invitations by e-mail (single use, expiring, for one address), roles,
removal, and the owner-only rules, through the test client like a browser."""

import hashlib
from datetime import timedelta

import pytest

from app.members import services
from app.models import Answer, AuditEvent, Invitation, Membership
from app.models._time import utcnow
from app.web.mail import outbox
from tests.conftest import PASSWORD, csrf_from
from tests.integration.helpers import step_payload
from tests.integration.member_helpers import (
    INDEX,
    XSS_PAYLOADS,
    assert_escaped,
    draft_assessment,
    invite,
    last_link_to,
    post_with_csrf,
)
from tests.integration.signup_helpers import sign_up
from tests.pages import Page

STEP = INDEX.steps[0]


@pytest.fixture()
def owned(make_user, make_company, login):
    """An owner logged in through `client`, with a company."""
    owner = make_user(email="owner@example.jp", display_name="オーナー")
    company = make_company(owner, name="招待テスト株式会社")
    login(owner.email)
    return owner, company


def _accept(c, link):
    page = c.get(link)
    return c.post(link + "/accept", data={"csrf_token": csrf_from(page)})


def _membership(db, company, user):
    return db.session.scalar(
        db.select(Membership).where(
            Membership.company_id == company.id, Membership.user_id == user.id
        )
    )


def _problem(response) -> str:
    """The reason an invitation page gives for not accepting (its error summary)."""
    (problem,) = Page(response).error_summary()
    return problem


def _facts(page) -> dict[str, str]:
    return {
        dt.get_text(): dt.find_next_sibling("dd").get_text() for dt in page.select("dl.facts dt")
    }


def _invitations(page) -> list[list[str]]:
    """The open invitations table of the members page, without its header."""
    panel = 'section:has(> h2:-soup-contains("招待中"))'
    return page.table(f"{panel} table")[1:] if page.select(f"{panel} table") else []


def _count(db, model):
    return db.session.scalar(db.select(db.func.count(model.id)))


def test_invited_editor_signs_up_accepts_and_can_edit(app, client, db, owned):
    owner, company = owned
    assessment = draft_assessment(company, owner)
    response = invite(client, company.id, "  New.Editor@Example.jp ", "editor")
    assert response.status_code == 302
    members_page = Page(client.get(response.headers["Location"]))
    assert members_page.flashes("success") == [
        "new.editor@example.jp に招待メールを送信しました（有効期限7日）。"
    ]
    assert [row[:2] for row in _invitations(members_page)] == [["new.editor@example.jp", "編集者"]]

    mail = outbox()[-1]
    assert mail["to"] == "new.editor@example.jp"
    assert "招待テスト株式会社" in mail["body"] and "編集者" in mail["body"]
    link = last_link_to("new.editor@example.jp")
    token = link.rsplit("/", 1)[1]
    invitation = db.session.scalar(db.select(Invitation))
    # Only the token's SHA-256 is stored; the token itself appears nowhere in the row.
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in repr(vars(invitation))
    assert len(token) >= 43 and invitation.role == "editor"
    expires = services.as_utc(invitation.expires_at) - services.as_utc(invitation.created_at)
    assert expires == timedelta(days=7)

    invitee = app.test_client()
    page = invitee.get(link)
    assert page.status_code == 200
    facts = _facts(Page(page))
    assert (facts["会社"], facts["役割"]) == ("招待テスト株式会社", "編集者")
    signup_links = [a["href"].replace("%2F", "/") for a in Page(page).select("main a.button")]
    assert f"/signup?next={link}" in signup_links

    response = sign_up(invitee, "new.editor@example.jp", "新しい編集者", query=f"?next={link}")
    assert response.status_code == 302 and response.headers["Location"] == link
    response = _accept(invitee, link)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/companies/{company.id}")

    from app.auth.users import find_user

    user = find_user("new.editor@example.jp")
    assert _membership(db, company, user).role == "editor"
    db.session.refresh(invitation)
    assert invitation.used_at is not None and invitation.used_by_id == user.id

    # The new editor can answer the questionnaire.
    url = f"/assessments/{assessment.id}/steps/{STEP.id}"
    page = invitee.get(url)
    assert invitee.post(url, data=step_payload(STEP, 2, 3, page=page)).status_code == 302
    assert _count(db, Answer) == len(STEP.item_ids)
    events = set(db.session.scalars(db.select(AuditEvent.event)))
    assert {"invitation_created", "invitation_accepted"} <= events


def test_existing_account_logs_in_through_the_link(app, client, db, owned, make_user, login):
    _, company = owned
    viewer = make_user(email="viewer@example.jp")
    invite(client, company.id, viewer.email, "viewer")
    link = last_link_to(viewer.email)
    other = app.test_client()
    login_link = f"/login?next={link}"
    page = other.get(login_link)
    response = other.post(
        login_link,
        data={"email": viewer.email, "password": PASSWORD, "csrf_token": csrf_from(page)},
    )
    assert response.headers["Location"] == link
    assert _accept(other, link).status_code == 302
    assert _membership(db, company, viewer).role == "viewer"


def test_a_used_link_cannot_be_used_again(app, client, db, owned, make_user, login):
    _, company = owned
    invitee = make_user(email="once@example.jp")
    invite(client, company.id, invitee.email)
    link = last_link_to(invitee.email)
    c = login(invitee.email, c=app.test_client())
    page = c.get(link)
    token = csrf_from(page)
    assert c.post(link + "/accept", data={"csrf_token": token}).status_code == 302

    again = c.post(link + "/accept", data={"csrf_token": token})
    assert again.status_code == 410
    assert _problem(again) == services.LINK_USED
    shown = c.get(link)
    assert shown.status_code == 410 and _problem(shown) == services.LINK_USED
    assert "/accept" not in shown.get_data(as_text=True) and Page(shown).select("main form") == []
    assert _count(db, Membership) == 2  # the owner and the invitee, once


def test_an_expired_link_is_refused_and_changes_nothing(app, client, db, owned, make_user, login):
    _, company = owned
    invitee = make_user(email="late@example.jp")
    invite(client, company.id, invitee.email)
    link = last_link_to(invitee.email)
    c = login(invitee.email, c=app.test_client())
    page_before = c.get(link)  # opened in time, accepted too late
    assert page_before.status_code == 200
    invitation = db.session.scalar(db.select(Invitation))
    invitation.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()

    shown = c.get(link)
    assert shown.status_code == 410 and _problem(shown) == services.LINK_EXPIRED
    response = c.post(link + "/accept", data={"csrf_token": csrf_from(page_before)})
    assert response.status_code == 410
    assert _problem(response) == services.LINK_EXPIRED
    assert _membership(db, company, invitee) is None
    db.session.refresh(invitation)
    assert invitation.used_at is None
    members = Page(client.get(f"/companies/{company.id}/members"))
    [row] = _invitations(members)
    assert row[0] == "late@example.jp" and row[2].endswith("期限切れ")


def test_unknown_and_overlong_tokens(app, client, db, owned):
    for token in ("not-a-real-token", "x" * 500):
        response = client.get(f"/invitations/{token}")
        assert response.status_code == 404
        assert _problem(response) == services.LINK_UNKNOWN
    page = client.get("/invitations/nope")
    response = client.post("/invitations/nope/accept", data={"csrf_token": csrf_from(page)})
    assert response.status_code == 404 and _count(db, Membership) == 1


def test_a_link_for_another_address_is_refused(app, client, db, owned, make_user, login):
    _, company = owned
    invited = make_user(email="invited@example.jp")
    other = make_user(email="other@example.jp")
    invite(client, company.id, invited.email)
    link = last_link_to(invited.email)

    c = login(other.email, c=app.test_client())
    page = c.get(link)
    assert page.status_code == 200 and _problem(page) == services.WRONG_ACCOUNT
    assert "/accept" not in page.get_data(as_text=True) and Page(page).select("main form") == []
    response = c.post(link + "/accept", data={"csrf_token": csrf_from(page)})
    assert response.status_code == 403
    assert _problem(response) == services.WRONG_ACCOUNT
    assert _membership(db, company, other) is None
    assert db.session.scalar(db.select(Invitation.used_at)) is None
    refused = db.session.scalar(
        db.select(AuditEvent).where(AuditEvent.event == "invitation_refused")
    )
    assert refused.details["reason"] == "other_email" and refused.company_id == company.id

    # The right person can still use it.
    right = login(invited.email, c=app.test_client())
    assert _accept(right, link).status_code == 302
    assert _membership(db, company, invited).role == "editor"


def test_an_advisor_account_cannot_join_as_member(app, client, db, owned, make_user, login):
    _, company = owned
    advisor = make_user(role="advisor", email="adv@example.jp")
    invite(client, company.id, advisor.email)
    c = login(advisor.email, c=app.test_client())
    response = _accept(c, last_link_to(advisor.email))
    assert response.status_code == 403
    assert _problem(response) == services.WRONG_ROLE
    assert _membership(db, company, advisor) is None


def test_invitation_link_uses_the_configured_origin_not_the_host_header(
    app, db, make_user, make_company, monkeypatch
):
    owner = make_user(email="owner@example.jp")
    company = make_company(owner, name="招待テスト株式会社")
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", "https://dx.example.jp/")
    forged = {"Host": "evil.example"}
    c = app.test_client()  # every request, login included, carries the forged Host header
    page = c.get("/login", headers=forged)
    c.post(
        "/login",
        data={"email": owner.email, "password": PASSWORD, "csrf_token": csrf_from(page)},
        headers=forged,
    )
    page = c.get(f"/companies/{company.id}/members", headers=forged)
    assert page.status_code == 200
    response = c.post(
        f"/companies/{company.id}/invitations",
        data={"csrf_token": csrf_from(page), "email": "invitee@example.jp", "role": "viewer"},
        headers=forged,
    )
    assert response.status_code == 302
    body = outbox()[-1]["body"]
    assert outbox()[-1]["to"] == "invitee@example.jp"
    assert "https://dx.example.jp/invitations/" in body and "evil.example" not in body


def test_only_the_owner_can_invite(app, client, db, owned, make_user, add_member, login):
    owner, company = owned
    editor, viewer = make_user(email="ed@example.jp"), make_user(email="vi@example.jp")
    add_member(company, editor, "editor")
    add_member(company, viewer, "viewer")
    sent = len(outbox())
    for user in (editor, viewer):
        c = login(user.email, c=app.test_client())
        # Members see the company, so the refusal is 403 (app/access.py).
        assert c.get(f"/companies/{company.id}/members").status_code == 403
        response = post_with_csrf(
            c,
            f"/companies/{company.id}",
            f"/companies/{company.id}/invitations",
            {"email": "x@example.jp", "role": "editor"},
        )
        assert response.status_code == 403
        dashboard = Page(c.get(f"/companies/{company.id}"))
        assert "メンバーの招待・管理" not in dashboard.html
        assert dashboard.select(f'a[href="/companies/{company.id}/members"]') == []
    assert _count(db, Invitation) == 0 and len(outbox()) == sent
    owners_dashboard = Page(client.get(f"/companies/{company.id}"))
    assert "メンバーの招待・管理" in owners_dashboard.texts("main a")


def test_bad_invitations_are_refused_with_a_message(client, db, owned, make_user, add_member):
    _, company = owned
    member = make_user(email="member@example.jp")
    add_member(company, member, "viewer")
    cases = [
        ("not-an-address", "editor", "メールアドレスの形式が正しくありません。"),
        ("", "editor", "メールアドレスを入力してください。"),
        ("a" * 250 + "@example.jp", "editor", "254文字以内で入力してください。"),
        ("member@example.jp", "editor", "既にこの会社のメンバーです。"),
        ("MEMBER@example.jp", "viewer", "既にこの会社のメンバーです。"),
    ]
    for email, role, message in cases:
        response = invite(client, company.id, email, role)
        assert response.status_code == 400, email
        refused = Page(response)
        assert any(message in m for m in refused.error_summary()), email
        assert refused.field_value("email") == email.strip()  # the typed address is kept
    # An owner role cannot be handed out by invitation, even by editing the form.
    response = invite(client, company.id, "boss@example.jp", "owner")
    assert response.status_code == 400
    assert _count(db, Invitation) == 0


def test_a_new_invitation_replaces_the_open_one_and_cancel_works(app, client, db, owned):
    _, company = owned
    invite(client, company.id, "twice@example.jp")
    first = last_link_to("twice@example.jp")
    invite(client, company.id, "twice@example.jp", "viewer")
    second = last_link_to("twice@example.jp")
    assert first != second
    anonymous = app.test_client()
    old = anonymous.get(first)
    assert old.status_code == 410 and _problem(old) == services.LINK_REVOKED
    assert anonymous.get(second).status_code == 200
    members = Page(client.get(f"/companies/{company.id}/members"))
    assert [row[:2] for row in _invitations(members)] == [["twice@example.jp", "閲覧者"]]

    open_one = db.session.scalar(db.select(Invitation).where(Invitation.revoked_at.is_(None)))
    url = f"/companies/{company.id}/invitations/{open_one.id}/cancel"
    response = post_with_csrf(client, f"/companies/{company.id}/members", url)
    assert response.status_code == 302
    assert anonymous.get(second).status_code == 410
    again = post_with_csrf(client, f"/companies/{company.id}/members", url)
    assert "既に使用されたか、取り消されています" in client.get(again.headers["Location"]).get_data(
        as_text=True
    )
    events = list(db.session.scalars(db.select(AuditEvent.event)))
    assert events.count("invitation_revoked") == 1


def test_invitations_are_rate_limited(app, client, db, owned, monkeypatch):
    _, company = owned
    monkeypatch.setitem(app.config, "INVITE_LIMITS", "2 per hour")
    statuses = [invite(client, company.id, f"r{n}@example.jp").status_code for n in range(3)]
    assert statuses == [302, 302, 429]
    assert _count(db, Invitation) == 2


def test_viewer_reads_editor_writes(app, client, db, owned, make_user, add_member, login):
    owner, company = owned
    assessment = draft_assessment(company, owner)
    viewer, editor = make_user(email="v@example.jp"), make_user(email="e@example.jp")
    add_member(company, viewer, "viewer")
    add_member(company, editor, "editor")
    url = f"/assessments/{assessment.id}/steps/{STEP.id}"

    v = login(viewer.email, c=app.test_client())
    page = v.get(url)
    assert page.status_code == 200
    assert v.post(url, data=step_payload(STEP, 1, 2, page=page)).status_code == 403
    assert _count(db, Answer) == 0

    e = login(editor.email, c=app.test_client())
    page = e.get(url)
    assert e.post(url, data=step_payload(STEP, 1, 2, page=page)).status_code == 302
    assert _count(db, Answer) == len(STEP.item_ids)


def test_role_change_and_removal_apply_on_the_next_request(
    app, client, db, owned, make_user, add_member, login
):
    owner, company = owned
    assessment = draft_assessment(company, owner)
    member = make_user(email="m@example.jp")
    add_member(company, member, "editor")
    url = f"/assessments/{assessment.id}/steps/{STEP.id}"
    m = login(member.email, c=app.test_client())
    page = m.get(url)  # loaded while still an editor

    membership = _membership(db, company, member)
    members_url = f"/companies/{company.id}/members"
    response = post_with_csrf(
        client, members_url, f"{members_url}/{membership.id}/role", {"role": "viewer"}
    )
    assert response.status_code == 302
    db.session.refresh(membership)
    assert membership.role == "viewer"
    # Same session, no re-login: the very next save is refused.
    assert m.post(url, data=step_payload(STEP, 1, 2, page=page)).status_code == 403
    assert m.get(f"/companies/{company.id}").status_code == 200

    response = post_with_csrf(client, members_url, f"{members_url}/{membership.id}/remove")
    assert response.status_code == 302
    assert _membership(db, company, member) is None
    assert m.get(f"/companies/{company.id}").status_code == 404
    assert m.get(url).status_code == 404
    events = set(db.session.scalars(db.select(AuditEvent.event)))
    assert {"member_role_changed", "member_removed"} <= events


def test_the_last_owner_cannot_leave_or_step_down(
    app, client, db, owned, make_user, add_member, login
):
    owner, company = owned
    mine = _membership(db, company, owner)
    members_url = f"/companies/{company.id}/members"
    for url, data in (
        (f"{members_url}/{mine.id}/remove", {}),
        (f"{members_url}/{mine.id}/role", {"role": "editor"}),
    ):
        response = post_with_csrf(client, members_url, url, data)
        back = Page(client.get(response.headers["Location"]))
        assert back.flashes("warning") == [services.LAST_OWNER]
    db.session.refresh(mine)
    assert mine.role == "owner"

    # With a second owner, the first may step down (and then loses the members page).
    second = make_user(email="second@example.jp")
    add_member(company, second, "owner")
    response = post_with_csrf(
        client, members_url, f"{members_url}/{mine.id}/role", {"role": "editor"}
    )
    assert response.headers["Location"].endswith(f"/companies/{company.id}")
    db.session.refresh(mine)
    assert mine.role == "editor"
    assert client.get(members_url).status_code == 403  # still a member, no longer the owner


def test_owner_of_a_cannot_touch_company_b(app, client, db, owned, make_user, make_company):
    owner_a, company_a = owned
    owner_b = make_user(email="owner-b@example.jp")
    company_b = make_company(owner_b, name="B社")
    editor_b = make_user(email="editor-b@example.jp")
    db.session.add(Membership(company_id=company_b.id, user_id=editor_b.id, role="editor"))
    db.session.commit()
    invitation_b, _ = services.create_invitation(company_b, "guest-b@example.jp", "viewer", owner_b)
    membership_b = _membership(db, company_b, editor_b)
    a, b = f"/companies/{company_a.id}", f"/companies/{company_b.id}"
    page = f"{a}/members"
    attempts = [
        (f"{a}/members/{membership_b.id}/role", {"role": "viewer"}),
        (f"{b}/members/{membership_b.id}/role", {"role": "viewer"}),
        (f"{a}/members/{membership_b.id}/remove", {}),
        (f"{b}/members/{membership_b.id}/remove", {}),
        (f"{a}/invitations/{invitation_b.id}/cancel", {}),
        (f"{b}/invitations/{invitation_b.id}/cancel", {}),
        (f"{b}/invitations", {"email": "x@example.jp", "role": "editor"}),
    ]
    for url, data in attempts:
        assert post_with_csrf(client, page, url, data).status_code == 404, url
    assert client.get(f"{b}/members").status_code == 404
    assert client.get(f"{b}/audit").status_code == 404

    db.session.expire_all()
    assert _membership(db, company_b, editor_b).role == "editor"
    assert db.session.get(Invitation, invitation_b.id).revoked_at is None
    assert _count(db, Invitation) == 1

    # A company id smuggled into the invitation form is ignored: the URL decides.
    response = post_with_csrf(
        client,
        page,
        f"{a}/invitations",
        {"email": "y@example.jp", "role": "viewer", "company_id": str(company_b.id)},
    )
    assert response.status_code == 302
    made = db.session.scalar(db.select(Invitation).where(Invitation.email == "y@example.jp"))
    assert made.company_id == company_a.id
    denied = db.session.scalars(
        db.select(AuditEvent).where(AuditEvent.event == "access_denied")
    ).all()
    assert any(e.details.get("company_id") == company_b.id for e in denied)


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_hostile_invitation_addresses_are_shown_escaped(app, client, db, owned, payload):
    owner, company = owned
    # Typed into the form: refused, and echoed back escaped.
    response = invite(client, company.id, payload)
    assert response.status_code == 400
    assert_escaped(response.get_data(as_text=True), payload)
    assert _count(db, Invitation) == 0

    # Stored (e.g. by an older version or a script): every page that shows it escapes it.
    token = "hostile-token-" + "x" * 40
    invitation = Invitation(
        company_id=company.id,
        email=payload,
        role="viewer",
        token_hash=services.token_hash(token),
        invited_by_id=owner.id,
        expires_at=utcnow() + timedelta(days=1),
    )
    db.session.add(invitation)
    db.session.add(
        AuditEvent(
            event="invitation_created",
            company_id=company.id,
            user_id=owner.id,
            details={"email": payload, "role": "viewer"},
        )
    )
    db.session.commit()
    for url in (
        f"/companies/{company.id}/members",
        f"/invitations/{token}",
        f"/companies/{company.id}/audit",
    ):
        page = client.get(url)
        assert page.status_code == 200, url
        assert_escaped(page.get_data(as_text=True), payload)
    assert_escaped(app.test_client().get(f"/invitations/{token}").get_data(as_text=True), payload)
