"""The owner's audit log: what is recorded, how it is shown (JST, Japanese labels, newest
first, 50 a page), and that nobody but the company's owners can open it."""

from datetime import UTC, datetime, timedelta

import pytest

from app.members.audit_log import EVENT_LABELS, page_number
from app.models import AdvisorGrant, AuditEvent, Membership
from tests.integration.member_helpers import (
    draft_assessment,
    grant,
    invite,
    last_link_to,
    post_with_csrf,
)
from tests.pages import Page

COLUMNS = ("at", "label", "summary", "email", "ip")
HEADER = ["日時（JST）", "操作", "内容", "操作した人", "IPアドレス"]


@pytest.fixture()
def owned(make_user, make_company, login):
    owner = make_user(email="owner@example.jp")
    company = make_company(owner, name="履歴テスト株式会社")
    login(owner.email)
    return owner, company


def _log(response) -> Page:
    assert response.status_code == 200, response.status_code
    return Page(response)


def _rows(page) -> list[dict[str, str]]:
    """The log table's rows, by column name; the header is checked on the way."""
    if not page.select("table"):
        return []
    header, *rows = page.table()
    assert header == HEADER
    return [dict(zip(COLUMNS, row, strict=True)) for row in rows]


def _pager(page) -> str:
    return page.text("nav.pager span")


def test_member_and_advisor_actions_are_listed_newest_first(
    app, client, db, owned, make_user, login
):
    owner, company = owned
    assessment = draft_assessment(company, owner)
    invitee = make_user(email="invitee@example.jp")
    advisor = make_user(role="advisor", email="advisor@example.jp")
    base = f"/companies/{company.id}"

    invite(client, company.id, invitee.email, "editor")
    link = last_link_to(invitee.email)
    i = login(invitee.email, c=app.test_client())
    page = i.get(link)
    from tests.conftest import csrf_from

    i.post(link + "/accept", data={"csrf_token": csrf_from(page)})
    membership = db.session.scalar(db.select(Membership).where(Membership.user_id == invitee.id))
    post_with_csrf(
        client, f"{base}/members", f"{base}/members/{membership.id}/role", {"role": "viewer"}
    )
    grant(client, company.id, advisor.email, "comment")
    a = login(advisor.email, c=app.test_client())
    post_with_csrf(
        a,
        f"/assessments/{assessment.id}/review",
        f"/assessments/{assessment.id}/comments",
        {"body": "コメント"},
    )
    active = db.session.scalar(db.select(AdvisorGrant))
    post_with_csrf(client, f"{base}/advisors", f"{base}/advisors/{active.id}/revoke")
    post_with_csrf(client, f"{base}/members", f"{base}/members/{membership.id}/remove")

    rows = _rows(_log(client.get(f"{base}/audit")))
    labels = [row["label"] for row in rows]
    expected = [
        "member_removed",
        "grant_revoked",
        "comment_added",
        "grant_created",
        "member_role_changed",
        "invitation_accepted",
        "invitation_created",
        "assessment_started",
    ]
    assert labels[: len(expected)] == [EVENT_LABELS[e] for e in expected]
    by_label = {row["label"]: row for row in rows}
    role_changed = by_label[EVENT_LABELS["member_role_changed"]]
    assert role_changed["summary"] == "invitee@example.jp: 編集者 → 閲覧者"
    assert by_label[EVENT_LABELS["grant_created"]]["summary"] == (
        "advisor@example.jp（閲覧とコメント）"
    )
    # the advisor's own comment, by e-mail
    assert by_label[EVENT_LABELS["comment_added"]]["email"] == "advisor@example.jp"
    # Actions taken through the pages carry the client's address (the draft was started
    # by a service call, without a request).
    assert {row["ip"] for row in rows[: len(expected) - 1]} == {"127.0.0.1"}


def test_times_are_shown_in_japan_time(client, db, owned):
    owner, company = owned
    db.session.add(
        AuditEvent(
            event="grant_created",
            company_id=company.id,
            user_id=owner.id,
            at=datetime(2025, 3, 31, 15, 30, tzinfo=UTC),
            ip="192.0.2.7",
            details={"email": "a@example.jp", "scope": "read"},
        )
    )
    db.session.commit()
    [row] = _rows(_log(client.get(f"/companies/{company.id}/audit")))
    assert row["at"] == "2025/04/01 00:30"  # UTC 15:30 is 00:30 the next day in Tokyo
    assert row["ip"] == "192.0.2.7" and row["summary"] == "a@example.jp（閲覧のみ）"


def test_pages_of_fifty(client, db, owned, make_company):
    owner, company = owned
    other = make_company(None, name="他社")
    start = datetime(2025, 1, 1, tzinfo=UTC)
    db.session.add_all(
        AuditEvent(
            event="company_saved",
            company_id=company.id,
            user_id=owner.id,
            at=start + timedelta(minutes=n),
            details={},
        )
        for n in range(120)
    )
    db.session.add(AuditEvent(event="grant_created", company_id=other.id, details={}))
    db.session.commit()
    url = f"/companies/{company.id}/audit"
    first = _log(client.get(url))
    rows = _rows(first)
    assert len(rows) == 50 and "（新しい順、120件）" in first.text("main p.hint")
    assert _pager(first) == "1 / 3 ページ"
    assert rows[0]["at"] == "2025/01/01 10:59"  # newest first (UTC 01:59 = JST 10:59)
    assert "支援者にアクセス権を付与" not in first.html  # the other company's event
    assert first.select_one('nav.pager a[rel="next"]')["href"] == f"{url}?page=2"
    third = _rows(_log(client.get(f"{url}?page=3")))
    assert len(third) == 20 and third[-1]["at"] == "2025/01/01 09:00"
    for odd in ("abc", "-1", "0", "٣", "9999999999"):
        assert len(_rows(_log(client.get(f"{url}?page={odd}")))) in (50, 20)
    assert _pager(_log(client.get(f"{url}?page=999"))) == "3 / 3 ページ"


def test_page_number_parsing():
    assert page_number(None) == 1 and page_number("2") == 2
    assert page_number("abc") == 1 and page_number("٣") == 1 and page_number("-4") == 1
    assert page_number("0") == 1 and page_number("1" * 7) == 1


def test_only_owners_of_the_company_see_it(
    app, client, db, owned, make_user, make_company, add_member, login
):
    owner, company = owned
    editor, viewer = make_user(email="ed@example.jp"), make_user(email="vi@example.jp")
    add_member(company, editor, "editor")
    add_member(company, viewer, "viewer")
    advisor = make_user(role="advisor", email="adv@example.jp")
    grant(client, company.id, advisor.email, "comment")
    stranger = make_user(email="stranger@example.jp")
    make_company(stranger, name="別会社")
    bureau = make_user(role="bureau", email="bureau@example.jp", bureau_code="kanto")
    url = f"/companies/{company.id}/audit"
    # Members who see the company get 403; everyone else may not know it exists: 404.
    for user, status in (
        (editor, 403),
        (viewer, 403),
        (advisor, 404),
        (stranger, 404),
        (bureau, 404),
    ):
        c = login(user.email, c=app.test_client())
        assert c.get(url).status_code == status, user.email
        dashboard = Page(c.get(f"/companies/{company.id}"))
        assert "操作履歴" not in dashboard.html and dashboard.select(f'a[href="{url}"]') == []
    assert app.test_client().get(url).status_code == 302  # anonymous: to the login page
    assert client.get(url).status_code == 200


def test_every_cell_names_its_column_for_the_phone_layout(client, db, owned):
    """On a phone the log stacks each row as a card and shows the column name from data-label
    (the header row is visually hidden there), so every cell must carry its header's text."""
    owner, company = owned
    draft_assessment(company, owner)
    page = _log(client.get(f"/companies/{company.id}/audit"))
    table = page.select_one("table.stack-narrow")
    assert table is not None
    body_rows = table.select("tbody tr")
    assert body_rows
    for row in body_rows:
        assert [td.get("data-label") for td in row.select("td")] == HEADER
