"""Advisors: owners grant and revoke access; advisors see only granted clients, read-only.
Comments themselves are tested in tests/integration/comments/."""

import pytest

from app.advisors import services
from app.models import AdvisorGrant, Answer, AuditEvent, Comment
from tests.integration.helpers import step_payload
from tests.integration.member_helpers import (
    INDEX,
    grant,
    post_with_csrf,
    submitted_assessment,
)
from tests.pages import normalise

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


def _clients(page) -> dict[str, dict[str, str]]:
    """The advisor's client list: {company name: {column heading: cell text}}."""
    if not page.select("table.client-table"):
        return {}
    table = page.select_one("table.client-table")
    headings = [normalise(th.get_text(" ")).rstrip(" ▲▼") for th in table.select("thead th")]
    clients = {}
    for tr in table.select("tbody tr"):
        cells = tr.find_all(["th", "td"])
        name = normalise(cells[0].select_one("a").get_text())
        clients[name] = {
            h: normalise(c.get_text(" ")) for h, c in zip(headings, cells, strict=True)
        }
    return clients


def _words(page) -> str:
    """All text a reader sees on the page, for checking that something is absent."""
    return page.soup.get_text()


def test_granted_advisor_sees_the_client_read_only(client, client_request, db, advised_company):
    owner, company, submitted, draft, advisor = advised_company
    response = client_request.post(
        "advisors.grant",
        _data={"email": "Advisor@Example.jp ", "scope": "read"},
        _from=client_request.url("advisors.grants", company_id=company.id),
        company_id=company.id,
    )
    grants_page = client_request.get_url(response.location)
    [row] = grants_page.table()[1:]
    assert row[:4] == ["支援 花子", "大阪商工会議所", advisor.email, "閲覧のみ"]
    assert grants_page.flashes("success") == [
        f"{advisor.email} に「閲覧のみ」の権限を付与しました。"
    ]

    a = client_request.new_session().login(advisor)
    assert a.get("main.home", _expected_status=302).location.endswith("/advisor/clients")
    clients = a.get("advisors.clients")
    row = _clients(clients)["支援先株式会社"]
    assert (row["都道府県"], row["権限"]) == ("大阪府", "閲覧のみ")
    # The latest year is the draft: its row links to the review page.
    links = [link["href"] for link in clients.select("table a")]
    assert f"/assessments/{draft.id}/review" in links
    nav = clients.select('nav.user-nav a[href="/advisor/clients"]')
    assert len(nav) == 1  # nav link for advisors

    dashboard = a.get("companies.dashboard", company_id=company.id)
    for absent in ("会社情報を編集", "診断を始める", "メンバーの招待・管理", "続きから回答"):
        assert absent not in _words(dashboard) and absent not in dashboard.html
    results = a.get("assessments.results", assessment_id=submitted.id)
    assert results.h1 == f"{submitted.fiscal_year}年度 診断結果"
    assert "再編集する" not in results.html
    assert results.select("#comments") and results.select('[name="body"]') == []  # read scope
    review = a.get("assessments.review", assessment_id=draft.id)
    assert review.select(f'form[action="/assessments/{draft.id}/submit"]') == []
    assert "このステップを修正" not in review.html

    step = {"assessment_id": draft.id, "step_id": STEP.id}
    page = a.get("assessments.step", **step)
    a.post(
        "assessments.step",
        _data=step_payload(STEP, 1, 1, page=page),
        _expected_status=403,
        **step,
    )
    assert (
        db.session.scalar(
            db.select(db.func.count(Answer.id)).where(Answer.assessment_id == draft.id)
        )
        == 0
    )
    for endpoint, values in (
        ("assessments.start", {"company_id": company.id}),
        ("assessments.reopen", {"assessment_id": submitted.id}),
        ("assessments.submit", {"assessment_id": draft.id}),
        ("companies.edit", {"company_id": company.id}),
    ):
        a.post(endpoint, _from=page, _expected_status=404, **values)
    for endpoint in ("companies.edit", "members.index", "advisors.grants", "members.audit"):
        a.get(endpoint, company_id=company.id, _expected_status=404)


def test_revoke_cuts_access_on_the_next_request(client, client_request, db, advised_company):
    owner, company, submitted, draft, advisor = advised_company
    grant(client, company.id, advisor.email, "comment")
    a = client_request.new_session().login(advisor)
    a.get("companies.dashboard", company_id=company.id)
    review = a.get("assessments.review", assessment_id=draft.id)

    active = _active(db, company, advisor)[0]
    revoke = {"company_id": company.id, "grant_id": active.id}
    grants_url = client_request.url("advisors.grants", company_id=company.id)
    client_request.post("advisors.revoke", _from=grants_url, **revoke)
    # The same logged-in advisor, no re-login: everything about the company is gone.
    a.get("companies.dashboard", company_id=company.id, _expected_status=404)
    a.get("assessments.results", assessment_id=submitted.id, _expected_status=404)
    a.get("assessments.review", assessment_id=draft.id, _expected_status=404)
    a.post(
        "comments.add_comment",
        _data={"body": "取り消し後のコメント"},
        _from=review,
        _expected_status=404,
        assessment_id=draft.id,
    )
    assert _count(db, Comment) == 0
    assert _clients(a.get("advisors.clients")) == {}
    assert "支援先株式会社" not in a.get("advisors.clients").html
    db.session.refresh(active)
    assert active.revoked_at is not None and active.revoked_by_id == owner.id

    again = client_request.post("advisors.revoke", _from=grants_url, **revoke)
    assert any(
        "既に取り消されています" in m for m in client_request.get_url(again.location).flashes()
    )


def test_advisor_without_a_grant_gets_404_everywhere(
    client_request, db, advised_company, make_company
):
    owner, company, submitted, draft, advisor = advised_company
    other = make_company(owner, name="別の会社")
    db.session.add(
        AdvisorGrant(company_id=other.id, advisor_id=advisor.id, scope="comment")
    )  # a grant for another company must not open this one
    db.session.commit()
    a = client_request.new_session().login(advisor)
    page = a.get("advisors.clients")
    assert list(_clients(page)) == ["別の会社"]
    assert "支援先株式会社" not in page.html
    for endpoint, values in (
        ("companies.dashboard", {"company_id": company.id}),
        ("assessments.resume", {"assessment_id": submitted.id}),
        ("assessments.results", {"assessment_id": submitted.id}),
        ("assessments.review", {"assessment_id": draft.id}),
        ("assessments.profile_step", {"assessment_id": draft.id}),
        ("assessments.step", {"assessment_id": draft.id, "step_id": STEP.id}),
    ):
        a.get(endpoint, _expected_status=404, **values)
    for endpoint, values in (
        ("comments.add_comment", {"assessment_id": draft.id}),
        ("assessments.step", {"assessment_id": draft.id, "step_id": STEP.id}),
    ):
        a.post(endpoint, _data={"body": "x"}, _from=page, _expected_status=404, **values)
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
        assert str(services.NO_SUCH_ADVISOR) in response.get_data(as_text=True)
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
    client, client_request, db, advised_company, make_user, make_company
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
    adv = client_request.new_session().login(advisor)
    adv.get("companies.dashboard", company_id=company_b.id)
    adv.get("assessments.results", assessment_id=submitted_a.id, _expected_status=404)


def test_grant_form_is_rate_limited(app, client, db, advised_company, monkeypatch):
    owner, company, *_ = advised_company
    monkeypatch.setitem(app.config, "GRANT_LIMITS", "3 per hour")
    statuses = [grant(client, company.id, f"guess{n}@example.jp").status_code for n in range(4)]
    assert statuses == [400, 400, 400, 429]


def test_client_list_shows_each_clients_latest_year(
    client_request, db, advised_company, make_user, make_company
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

    a = client_request.new_session().login(advisor)
    page = a.get("advisors.clients")
    clients = _clients(page)
    assert list(clients) == ["あおば商事", "支援先株式会社"]  # by name; the revoked one is gone
    row = clients["あおば商事"]
    assert (row["都道府県"], row["現在値の平均"], row["目標値の平均"]) == ("宮城県", "3.00", "4.00")
    assert row["最新年度"] == "2025年度"
    assert row["状態"].startswith("提出済み")
    assert page.select_one("table a[href$='/results']")["href"] == f"/assessments/{done.id}/results"
    assert row["開く"].startswith("結果を見る")
    assert "取り消し済み工業" not in page.html
    a.get("companies.dashboard", company_id=revoked.id, _expected_status=404)
