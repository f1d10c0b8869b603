"""Advisors: owners grant and revoke access; advisors see only granted clients, read-only.
Comments themselves are tested in tests/integration/comments/."""

import pytest

from app.advisors import services
from app.models import AdvisorGrant, Answer, AuditEvent, Comment
from tests.conftest import csrf_from
from tests.integration.helpers import step_payload
from tests.integration.member_helpers import (
    INDEX,
    grant,
    post_with_csrf,
    submitted_assessment,
)

STEP = INDEX.steps[0]


def _active(db, company, advisor):
    return db.session.scalars(
        db.select(AdvisorGrant).where(
            AdvisorGrant.company_id == company.id,
            AdvisorGrant.advisor_id == advisor.id,
            AdvisorGrant.revoked_at.is_(None),
        )
    ).all()


def _count(db, model):
    return db.session.scalar(db.select(db.func.count(model.id)))


def test_granted_advisor_sees_the_client_read_only(app, client, db, advised_company, login):
    owner, company, submitted, draft, advisor = advised_company
    response = grant(client, company.id, "Advisor@Example.jp ", "read")
    assert response.status_code == 302
    grants_page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "大阪商工会議所" in grants_page and "閲覧のみ" in grants_page

    a = login(advisor.email, c=app.test_client())
    assert a.get("/").headers["Location"].endswith("/advisor/clients")
    clients = a.get("/advisor/clients").get_data(as_text=True)
    assert "支援先株式会社" in clients and "大阪府" in clients
    assert f"/assessments/{draft.id}/review" in clients  # the latest year is the draft
    assert 'href="/advisor/clients"' in clients  # nav link for advisors

    dashboard = a.get(f"/companies/{company.id}")
    html = dashboard.get_data(as_text=True)
    assert dashboard.status_code == 200
    assert "会社情報を編集" not in html and "診断を始める" not in html
    assert "メンバーの招待・管理" not in html and "続きから回答" not in html
    results = a.get(f"/assessments/{submitted.id}/results").get_data(as_text=True)
    assert "診断結果" in results and "再編集する" not in results
    assert 'id="comments"' in results and 'name="body"' not in results  # read scope
    review = a.get(f"/assessments/{draft.id}/review").get_data(as_text=True)
    assert f'action="/assessments/{draft.id}/submit"' not in review
    assert "このステップを修正" not in review

    url = f"/assessments/{draft.id}/steps/{STEP.id}"
    page = a.get(url)
    assert page.status_code == 200
    assert a.post(url, data=step_payload(STEP, 1, 1, page=page)).status_code == 403
    assert (
        db.session.scalar(
            db.select(db.func.count(Answer.id)).where(Answer.assessment_id == draft.id)
        )
        == 0
    )
    token = csrf_from(page)
    for path in (
        f"/companies/{company.id}/assessments",
        f"/assessments/{submitted.id}/reopen",
        f"/assessments/{draft.id}/submit",
        f"/companies/{company.id}/edit",
    ):
        assert a.post(path, data={"csrf_token": token}).status_code == 404, path
    for path in (
        f"/companies/{company.id}/edit",
        f"/companies/{company.id}/members",
        f"/companies/{company.id}/advisors",
        f"/companies/{company.id}/audit",
    ):
        assert a.get(path).status_code == 404, path


def test_revoke_cuts_access_on_the_next_request(app, client, db, advised_company, login):
    owner, company, submitted, draft, advisor = advised_company
    grant(client, company.id, advisor.email, "comment")
    a = login(advisor.email, c=app.test_client())
    assert a.get(f"/companies/{company.id}").status_code == 200
    review = a.get(f"/assessments/{draft.id}/review")

    active = _active(db, company, advisor)[0]
    response = post_with_csrf(
        client,
        f"/companies/{company.id}/advisors",
        f"/companies/{company.id}/advisors/{active.id}/revoke",
    )
    assert response.status_code == 302
    # The same logged-in advisor, no re-login: everything about the company is gone.
    assert a.get(f"/companies/{company.id}").status_code == 404
    assert a.get(f"/assessments/{submitted.id}/results").status_code == 404
    assert a.get(f"/assessments/{draft.id}/review").status_code == 404
    response = a.post(
        f"/assessments/{draft.id}/comments",
        data={"csrf_token": csrf_from(review), "body": "取り消し後のコメント"},
    )
    assert response.status_code == 404 and _count(db, Comment) == 0
    assert "支援先株式会社" not in a.get("/advisor/clients").get_data(as_text=True)
    db.session.refresh(active)
    assert active.revoked_at is not None and active.revoked_by_id == owner.id

    again = post_with_csrf(
        client,
        f"/companies/{company.id}/advisors",
        f"/companies/{company.id}/advisors/{active.id}/revoke",
    )
    assert "既に取り消されています" in client.get(again.headers["Location"]).get_data(as_text=True)


def test_advisor_without_a_grant_gets_404_everywhere(app, db, advised_company, login, make_company):
    owner, company, submitted, draft, advisor = advised_company
    other = make_company(owner, name="別の会社")
    db.session.add(
        AdvisorGrant(company_id=other.id, advisor_id=advisor.id, scope="comment")
    )  # a grant for another company must not open this one
    db.session.commit()
    a = login(advisor.email, c=app.test_client())
    page = a.get("/advisor/clients")
    assert "別の会社" in page.get_data(as_text=True)
    assert "支援先株式会社" not in page.get_data(as_text=True)
    for path in (
        f"/companies/{company.id}",
        f"/assessments/{submitted.id}",
        f"/assessments/{submitted.id}/results",
        f"/assessments/{draft.id}/review",
        f"/assessments/{draft.id}/steps/profile",
        f"/assessments/{draft.id}/steps/{STEP.id}",
    ):
        assert a.get(path).status_code == 404, path
    token = csrf_from(page)
    for path in (f"/assessments/{draft.id}/comments", f"/assessments/{draft.id}/steps/{STEP.id}"):
        assert a.post(path, data={"csrf_token": token, "body": "x"}).status_code == 404
    assert _count(db, Comment) == 0


def test_grants_reveal_nothing_about_other_accounts(client, db, advised_company, make_user):
    owner, company, *_ = advised_company
    make_user(email="member@example.jp")
    make_user(role="bureau", email="bureau@example.jp", bureau_code="kinki")
    make_user(role="admin", email="admin@example.jp")
    disabled = make_user(role="advisor", email="gone@example.jp")
    disabled.is_disabled = True
    db.session.commit()

    def neutral_text(response, email):
        html = response.get_data(as_text=True).replace(email, "")
        import re

        return re.sub(r'(name="csrf_token"[^>]*value=|data-csrf=)"[^"]+"', "", html)

    pages = []
    for email in (
        "nobody@example.jp",
        "member@example.jp",
        "bureau@example.jp",
        "admin@example.jp",
        "gone@example.jp",
        "owner@example.jp",
    ):
        response = grant(client, company.id, email)
        assert response.status_code == 400, email
        assert services.NO_SUCH_ADVISOR in response.get_data(as_text=True)
        pages.append(neutral_text(response, email))
    assert all(p == pages[0] for p in pages)
    assert _count(db, AdvisorGrant) == 0


def test_changing_scope_keeps_one_active_grant(client, db, advised_company):
    owner, company, _, _, advisor = advised_company
    assert grant(client, company.id, advisor.email, "read").status_code == 302
    same = grant(client, company.id, advisor.email, "read")
    assert same.status_code == 400 and "既に同じ権限" in same.get_data(as_text=True)
    assert grant(client, company.id, advisor.email, "comment").status_code == 302
    active = _active(db, company, advisor)
    assert [g.scope for g in active] == ["comment"]
    assert _count(db, AdvisorGrant) == 2  # the read grant is kept as history
    bad = grant(client, company.id, advisor.email, "admin")
    assert bad.status_code == 400 and "権限の範囲を選択してください。" in bad.get_data(as_text=True)
    events = list(db.session.scalars(db.select(AuditEvent.event).order_by(AuditEvent.id)))
    assert events[-2:] == ["grant_created", "grant_changed"]


def test_only_one_active_grant_even_when_the_database_is_asked_twice(db, advised_company):
    from sqlalchemy.exc import IntegrityError

    owner, company, _, _, advisor = advised_company
    db.session.add(AdvisorGrant(company_id=company.id, advisor_id=advisor.id, scope="read"))
    db.session.commit()
    db.session.add(AdvisorGrant(company_id=company.id, advisor_id=advisor.id, scope="comment"))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_owner_of_a_cannot_touch_company_b_grants(
    app, client, db, advised_company, make_user, make_company
):
    owner_a, company_a, submitted_a, draft_a, advisor = advised_company
    owner_b = make_user(email="owner-b@example.jp")
    company_b = make_company(owner_b, name="B社")
    grant_b = AdvisorGrant(
        company_id=company_b.id, advisor_id=advisor.id, scope="read", granted_by_id=owner_b.id
    )
    db.session.add(grant_b)
    db.session.commit()
    a, b = f"/companies/{company_a.id}", f"/companies/{company_b.id}"
    page = f"{a}/advisors"
    for url, data in (
        (f"{a}/advisors/{grant_b.id}/revoke", {}),
        (f"{b}/advisors/{grant_b.id}/revoke", {}),
        (f"{b}/advisors", {"email": advisor.email, "scope": "comment"}),
    ):
        assert post_with_csrf(client, page, url, data).status_code == 404, url
    assert client.get(f"{b}/advisors").status_code == 404
    db.session.expire_all()
    assert db.session.get(AdvisorGrant, grant_b.id).revoked_at is None
    assert _count(db, AdvisorGrant) == 1

    # A company id smuggled into the grant form is ignored: the URL decides.
    response = post_with_csrf(
        client,
        page,
        f"{a}/advisors",
        {"email": advisor.email, "scope": "read", "company_id": str(company_b.id)},
    )
    assert response.status_code == 302
    assert len(_active(db, company_a, advisor)) == 1
    assert len(_active(db, company_b, advisor)) == 1

    # An advisor granted on B cannot reach A's assessments by id after A revokes.
    ga = _active(db, company_a, advisor)[0]
    post_with_csrf(client, page, f"{a}/advisors/{ga.id}/revoke")
    adv = app.test_client()
    from tests.conftest import PASSWORD

    login_page = adv.get("/login")
    adv.post(
        "/login",
        data={"email": advisor.email, "password": PASSWORD, "csrf_token": csrf_from(login_page)},
    )
    assert adv.get(f"{b}").status_code == 200
    assert adv.get(f"/assessments/{submitted_a.id}/results").status_code == 404


def test_grant_form_is_rate_limited(app, client, db, advised_company, monkeypatch):
    owner, company, *_ = advised_company
    monkeypatch.setitem(app.config, "GRANT_LIMITS", "3 per hour")
    statuses = [grant(client, company.id, f"guess{n}@example.jp").status_code for n in range(4)]
    assert statuses == [400, 400, 400, 429]


def test_client_list_shows_each_clients_latest_year(
    app, db, advised_company, login, make_user, make_company
):
    owner, company, submitted, draft, advisor = advised_company
    other_owner = make_user(email="other-owner@example.jp")
    other = make_company(other_owner, name="あおば商事", prefecture="04")
    done = submitted_assessment(other, other_owner, year=2025, level=3)
    revoked = make_company(other_owner, name="取り消し済み工業")
    for c, scope in ((company, "read"), (other, "comment"), (revoked, "read")):
        db.session.add(AdvisorGrant(company_id=c.id, advisor_id=advisor.id, scope=scope))
    db.session.commit()
    gone = _active(db, revoked, advisor)[0]
    gone.revoked_at = gone.granted_at
    db.session.commit()

    a = login(advisor.email, c=app.test_client())
    html = a.get("/advisor/clients").get_data(as_text=True)
    assert html.index("あおば商事") < html.index("支援先株式会社")  # by name
    assert "宮城県" in html and "3.00" in html and "4.00" in html  # current / target means
    assert f"/assessments/{done.id}/results" in html
    assert "取り消し済み工業" not in html
    assert a.get(f"/companies/{revoked.id}").status_code == 404
