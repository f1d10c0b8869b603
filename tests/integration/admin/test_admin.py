"""The admin pages: user list and search, staff accounts, disable/enable, role changes,
index versions, and nobody else getting in."""

import re

import pytest

from app.models import AuditEvent, User
from app.web.mail import outbox
from tests.conftest import PASSWORD

NEW_PASSWORD = "staff member passphrase"
EMAIL, NAME, ROLE, AFFILIATION, STATE = range(5)  # the user list's columns


@pytest.fixture()
def admin(make_user, login, client):
    user = make_user(role="admin", email="admin@example.jp")
    login(user.email)
    outbox().clear()
    return user


def act(session, endpoint, user_id, data=None, status=302):
    """An admin action on a user, posted with the token of the user list (as the original
    buttons' pages carry it)."""
    return session.post(
        endpoint, _data=data, _from="admin.users", _expected_status=status, user_id=user_id
    )


def stored(db, user_id) -> User:
    db.session.expire_all()
    return db.session.get(User, user_id)


def events(db, name):
    return list(db.session.scalars(db.select(AuditEvent).where(AuditEvent.event == name)))


def user_rows(page) -> list[list[str]]:
    return page.table()[1:] if page.select("table") else []


def total(page) -> str:
    return page.texts("main p.muted")[0]


@pytest.mark.parametrize("role", ["member", "advisor", "bureau"])
def test_admin_pages_are_404_for_everyone_else(client_request, make_user, role, db):
    user = make_user(role=role, bureau_code="kanto" if role == "bureau" else None)
    target = make_user(email="target@example.jp")
    session = client_request.new_session().login(user)
    for endpoint, values in (
        ("admin.users", {}),
        ("admin.new_user", {}),
        ("admin.user", {"user_id": target.id}),
        ("admin.versions", {}),
    ):
        session.get(endpoint, _expected_status=404, **values)
    for endpoint in ("admin.disable", "admin.enable", "admin.change_role", "admin.send_reset"):
        session.post(
            endpoint,
            _data={"role": "admin"},
            _from="account.index",
            _expected_status=404,
            user_id=target.id,
        )
    assert stored(db, target.id).role == "member" and not stored(db, target.id).is_disabled


def test_admin_pages_need_login(client_request):
    response = client_request.get("admin.users", _expected_status=302)
    assert "/login" in response.location


def test_admin_lands_on_the_user_list(client_request, admin):
    home = client_request.get("main.home", _expected_status=302)
    assert home.location.endswith("/admin/")
    page = client_request.get("admin.users")
    links = page.select('nav.user-nav a[href="/admin/"]')
    assert [a.get_text() for a in links] == ["管理"]


def test_list_and_search(client_request, admin, make_user, make_company, db):
    advisor = make_user(role="advisor", email="sato@consult.example", organisation="佐藤会計")
    bureau = make_user(role="bureau", email="kanto@meti.example", bureau_code="kanto")
    owner = make_user(email="owner@company.example")
    make_company(owner)
    page = client_request.get("admin.users")
    rows = {row[EMAIL]: row for row in user_rows(page)}
    assert set(rows) == {admin.email, advisor.email, bureau.email, owner.email}
    assert rows[advisor.email][AFFILIATION] == "佐藤会計"
    assert rows[bureau.email][AFFILIATION] == "関東経済産業局"
    assert rows[owner.email][AFFILIATION] == "企業 1社"
    assert total(page) == "4件"
    assert "argon2" not in page.html  # no password hashes
    page = client_request.get("admin.users", q="佐藤")
    assert [row[EMAIL] for row in user_rows(page)] == ["sato@consult.example"]
    assert total(page) == "1件（「佐藤」を含む）"
    for literal in ("%", "_"):  # LIKE wildcards are literal characters here
        page = client_request.get("admin.users", q=literal)
        assert total(page).startswith("0件") and user_rows(page) == []
    client_request.get("admin.users", page="abc")


def test_create_advisor_sends_a_set_password_link(client_request, admin, db):
    response = client_request.post(
        "admin.new_user",
        _data={
            "email": "New.Advisor@Example.jp",
            "display_name": "新井 支援",
            "role": "advisor",
            "organisation": "商工会議所",
            "bureau_code": "",
        },
    )
    created = db.session.scalar(db.select(User).where(User.email == "new.advisor@example.jp"))
    assert created.role == "advisor" and created.organisation == "商工会議所"
    assert response.location.endswith(f"/admin/users/{created.id}")
    [event] = events(db, "user_created")
    assert event.user_id == admin.id and event.details["target_user_id"] == created.id
    mail = outbox()[-1]
    assert mail["to"] == "new.advisor@example.jp" and "パスワード" in mail["body"]
    assert PASSWORD not in mail["body"]
    path = re.search(r"https?://[^\s/]+(/password/reset/[\w-]+)", mail["body"]).group(1)

    newcomer = client_request.new_session()
    newcomer.post_url(path, _data={"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD})
    newcomer.login(created.email, password=NEW_PASSWORD)


@pytest.mark.parametrize("code", ["kanto", "national"])
def test_create_bureau_staff(client_request, admin, db, code):
    client_request.post(
        "admin.new_user",
        _data={
            "email": "b@meti.example",
            "display_name": "局 職員",
            "role": "bureau",
            "bureau_code": code,
        },
    )
    created = db.session.scalar(db.select(User).where(User.email == "b@meti.example"))
    assert (created.role, created.bureau_code) == ("bureau", code)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"role": "bureau", "bureau_code": ""}, "管轄を選んでください"),
        ({"role": "advisor", "bureau_code": "kanto"}, "経済産業局の職員にだけ"),
        ({"role": "member"}, "選択肢が正しくありません"),
        ({"role": "superuser"}, "選択肢が正しくありません"),
        ({"role": "bureau", "bureau_code": "mars"}, "選択肢が正しくありません"),
        ({"role": "admin", "email": "not-an-address"}, "無効なメールアドレスです"),
        ({"role": "admin", "email": "admin@example.jp"}, "既に登録されています"),
        ({"role": "admin", "display_name": ""}, "このフィールドは必須です"),
    ],
)
def test_create_refuses_bad_input(client_request, admin, db, data, message):
    form = {"email": "x@example.jp", "display_name": "名前", "bureau_code": "", **data}
    page = client_request.post("admin.new_user", _data=form, _expected_status=400)
    assert any(message in m for m in page.error_summary()), page.error_summary()
    assert any(message in m for m in page.field_errors())
    assert page.field_value("email") == form["email"]  # the form comes back filled in
    assert db.session.scalar(db.select(db.func.count(User.id))) == 1
    assert outbox() == []


def test_disable_ends_the_users_sessions_at_once(client_request, admin, make_user, db):
    target = make_user(role="advisor", email="advisor@example.jp")
    victim = client_request.new_session().login(target)
    victim.get("account.index")
    act(client_request, "admin.disable", target.id)
    assert "/login" in victim.get("account.index", _expected_status=302).location
    assert stored(db, target.id).is_disabled
    [event] = events(db, "user_disabled")
    assert event.user_id == admin.id and event.details == {"target_user_id": target.id}
    refused = victim.post(
        "auth.login", _data={"email": target.email, "password": PASSWORD}, _expected_status=200
    )
    assert refused.error_summary()  # the login form again, with an error

    act(client_request, "admin.enable", target.id)
    assert not stored(db, target.id).is_disabled
    assert events(db, "user_enabled")
    victim.login(target)


def test_admin_cannot_disable_or_demote_themselves(client_request, admin, db):
    act(client_request, "admin.disable", admin.id)
    assert not stored(db, admin.id).is_disabled
    page = act(
        client_request, "admin.change_role", admin.id, {"role": "member", "bureau_code": ""}, 400
    )
    # What the admin sees on their own page is the rule itself (it has no role form).
    assert page.texts("main p.muted") == ["自分自身のアカウントの種別変更・無効化はできません。"]
    assert stored(db, admin.id).role == "admin"
    own = client_request.get("admin.user", user_id=admin.id)
    assert own.texts("main p.muted") == ["自分自身のアカウントの種別変更・無効化はできません。"]
    assert own.select("main form") == []
    client_request.get("admin.users")


def test_change_role(client_request, admin, make_user, db):
    target = make_user(role="advisor", email="advisor@example.jp")
    other = client_request.new_session().login(target)
    act(client_request, "admin.change_role", target.id, {"role": "bureau", "bureau_code": "chubu"})
    changed = stored(db, target.id)
    assert (changed.role, changed.bureau_code) == ("bureau", "chubu")
    [event] = events(db, "role_change")
    assert event.user_id == admin.id
    assert event.details["from"] == "advisor" and event.details["to"] == "bureau"
    other.get("account.index", _expected_status=302)  # re-login with the new role

    page = act(
        client_request, "admin.change_role", target.id, {"role": "bureau", "bureau_code": ""}, 400
    )
    assert any("管轄を選んでください" in m for m in page.error_summary())
    act(client_request, "admin.change_role", target.id, {"role": "god", "bureau_code": ""}, 400)
    assert stored(db, target.id).bureau_code == "chubu"

    act(client_request, "admin.change_role", target.id, {"role": "admin"})
    assert (stored(db, target.id).role, stored(db, target.id).bureau_code) == ("admin", None)


def test_role_change_refused_for_company_members(
    client_request, admin, make_user, make_company, db
):
    owner = make_user(email="owner@example.jp")
    make_company(owner)
    page = client_request.get("admin.user", user_id=owner.id)
    role_panel = page.select_one('section:has(> h2:-soup-contains("種別の変更"))')
    assert role_panel.p.get_text().startswith("企業に所属しているユーザーの種別は変更できません")
    assert role_panel.select("form") == []
    act(client_request, "admin.change_role", owner.id, {"role": "advisor"}, 400)
    assert stored(db, owner.id).role == "member"
    assert events(db, "role_change") == []


def test_actions_without_csrf_change_nothing(client, admin, make_user, db):
    target = make_user(role="advisor")
    # The raw client, so that no token is sent at all.
    assert client.post(f"/admin/users/{target.id}/disable").status_code == 400
    response = client.post(f"/admin/users/{target.id}/role", data={"role": "admin"})
    assert response.status_code == 400
    assert stored(db, target.id).role == "advisor" and not stored(db, target.id).is_disabled


def test_actions_are_post_only_and_unknown_users_404(client_request, admin):
    client_request.get("admin.disable", user_id=1, _expected_status=405)
    client_request.get("admin.user", user_id=99999, _expected_status=404)
    act(client_request, "admin.disable", 99999, status=404)


def test_send_reset_link(client_request, admin, make_user, db):
    target = make_user(role="bureau", bureau_code="kinki", email="kinki@meti.example")
    act(client_request, "admin.send_reset", target.id)
    assert outbox()[-1]["to"] == "kinki@meti.example"
    assert events(db, "password_reset_sent")


def test_index_versions_are_listed(client_request, admin):
    page = client_request.get("admin.versions")
    rows = page.table()
    assert rows[0] == ["版", "名称・構成", "状態", "項目数", "使用中の診断", "操作"]
    assert [(row[0], row[3], row[4]) for row in rows[1:]] == [("2019-07", "35", "0")]
    assert "既定" in rows[1][2] and "有効" in rows[1][2]
    assert page.select("main form") == []  # the only version is the default: nothing to change


def test_admin_cannot_open_company_pages(client_request, admin, make_user, make_company):
    company = make_company(make_user(email="owner@example.jp"))
    client_request.get("companies.dashboard", company_id=company.id, _expected_status=404)


def test_clear_two_factor_for_a_lost_authenticator(client_request, admin, make_user, db):
    target = make_user(role="advisor", email="lost@example.jp")
    target.totp_secret, target.totp_last_counter = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", 5
    db.session.commit()
    page = client_request.get("admin.user", user_id=target.id)
    assert "2段階認証を解除する" in page.texts("main form button")
    assert target.totp_secret not in page.html
    act(client_request, "admin.clear_two_factor", target.id)
    cleared = stored(db, target.id)
    assert cleared.totp_secret is None and cleared.totp_last_counter is None
    assert events(db, "totp_cleared")[0].details == {"target_user_id": target.id}
    client_request.new_session().login(target)  # password alone works again
