"""The admin pages: user list and search, staff accounts, disable/enable, role changes,
index versions, and nobody else getting in."""

import re

import pytest

from app.models import AuditEvent, User
from app.web.mail import outbox
from tests.conftest import PASSWORD, csrf_from

NEW_PASSWORD = "staff member passphrase"


@pytest.fixture()
def admin(make_user, login, client):
    user = make_user(role="admin", email="admin@example.jp")
    login(user.email)
    outbox().clear()
    return user


def post(client, url, data=None, page_url="/admin/"):
    token = csrf_from(client.get(page_url if page_url else url))
    return client.post(url, data={**(data or {}), "csrf_token": token})


def stored(db, user_id) -> User:
    db.session.expire_all()
    return db.session.get(User, user_id)


def events(db, name):
    return list(db.session.scalars(db.select(AuditEvent).where(AuditEvent.event == name)))


@pytest.mark.parametrize("role", ["member", "advisor", "bureau"])
def test_admin_pages_are_404_for_everyone_else(app, make_user, login, role, db):
    user = make_user(role=role, bureau_code="kanto" if role == "bureau" else None)
    target = make_user(email="target@example.jp")
    client = app.test_client()
    login(user.email, c=client)
    for url in ("/admin/", "/admin/users/new", f"/admin/users/{target.id}", "/admin/versions"):
        assert client.get(url).status_code == 404, url
    token = csrf_from(client.get("/account"))
    for action in ("disable", "enable", "role", "send-reset"):
        response = client.post(
            f"/admin/users/{target.id}/{action}", data={"csrf_token": token, "role": "admin"}
        )
        assert response.status_code == 404
    assert stored(db, target.id).role == "member" and not stored(db, target.id).is_disabled


def test_admin_pages_need_login(client):
    response = client.get("/admin/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_admin_lands_on_the_user_list(client, admin):
    assert client.get("/").headers["Location"].endswith("/admin/")
    html = client.get("/admin/").get_data(as_text=True)
    assert 'href="/admin/">管理</a>' in html


def test_list_and_search(client, admin, make_user, make_company, db):
    advisor = make_user(role="advisor", email="sato@consult.example", organisation="佐藤会計")
    bureau = make_user(role="bureau", email="kanto@meti.example", bureau_code="kanto")
    owner = make_user(email="owner@company.example")
    make_company(owner)
    html = client.get("/admin/").get_data(as_text=True)
    for text in ("sato@consult.example", "佐藤会計", "関東経済産業局", "企業 1社", "4件"):
        assert text in html
    assert "argon2" not in html  # no password hashes
    html = client.get("/admin/?q=佐藤").get_data(as_text=True)
    assert "sato@consult.example" in html and bureau.email not in html and "1件" in html
    html = client.get("/admin/?q=%25").get_data(as_text=True)  # "%" is literal, not a wildcard
    assert "0件" in html
    html = client.get("/admin/?q=_").get_data(as_text=True)
    assert "0件" in html
    assert client.get("/admin/?page=abc").status_code == 200
    assert advisor.id


def test_create_advisor_sends_a_set_password_link(app, client, admin, db):
    page = client.get("/admin/users/new")
    response = client.post(
        "/admin/users/new",
        data={
            "email": "New.Advisor@Example.jp",
            "display_name": "新井 支援",
            "role": "advisor",
            "organisation": "商工会議所",
            "bureau_code": "",
            "csrf_token": csrf_from(page),
        },
    )
    assert response.status_code == 302
    created = db.session.scalar(db.select(User).where(User.email == "new.advisor@example.jp"))
    assert created.role == "advisor" and created.organisation == "商工会議所"
    assert response.headers["Location"].endswith(f"/admin/users/{created.id}")
    [event] = events(db, "user_created")
    assert event.user_id == admin.id and event.details["target_user_id"] == created.id
    mail = outbox()[-1]
    assert mail["to"] == "new.advisor@example.jp" and "パスワード" in mail["body"]
    assert PASSWORD not in mail["body"]
    path = re.search(r"https?://[^\s/]+(/password/reset/[\w-]+)", mail["body"]).group(1)

    newcomer = app.test_client()
    page = newcomer.get(path)
    response = newcomer.post(
        path,
        data={
            "password": NEW_PASSWORD,
            "password_confirm": NEW_PASSWORD,
            "csrf_token": csrf_from(page),
        },
    )
    assert response.status_code == 302
    page = newcomer.get("/login")
    response = newcomer.post(
        "/login",
        data={"email": created.email, "password": NEW_PASSWORD, "csrf_token": csrf_from(page)},
    )
    assert response.status_code == 302


@pytest.mark.parametrize("code", ["kanto", "national"])
def test_create_bureau_staff(client, admin, db, code):
    response = post(
        client,
        "/admin/users/new",
        {
            "email": "b@meti.example",
            "display_name": "局 職員",
            "role": "bureau",
            "bureau_code": code,
        },
        page_url="/admin/users/new",
    )
    assert response.status_code == 302
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
def test_create_refuses_bad_input(client, admin, db, data, message):
    form = {"email": "x@example.jp", "display_name": "名前", "bureau_code": "", **data}
    response = post(client, "/admin/users/new", form, page_url="/admin/users/new")
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(User.id))) == 1
    assert outbox() == []


def test_disable_ends_the_users_sessions_at_once(app, client, admin, make_user, login, db):
    target = make_user(role="advisor", email="advisor@example.jp")
    victim = app.test_client()
    login(target.email, c=victim)
    assert victim.get("/account").status_code == 200
    response = post(client, f"/admin/users/{target.id}/disable")
    assert response.status_code == 302
    response = victim.get("/account")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert stored(db, target.id).is_disabled
    [event] = events(db, "user_disabled")
    assert event.user_id == admin.id and event.details == {"target_user_id": target.id}
    page = victim.get("/login")
    refused = victim.post(
        "/login", data={"email": target.email, "password": PASSWORD, "csrf_token": csrf_from(page)}
    )
    assert refused.status_code == 200  # the login form again, with an error

    assert post(client, f"/admin/users/{target.id}/enable").status_code == 302
    assert not stored(db, target.id).is_disabled
    assert events(db, "user_enabled")
    login(target.email, c=victim)


def test_admin_cannot_disable_or_demote_themselves(client, admin, db):
    response = post(client, f"/admin/users/{admin.id}/disable")
    assert response.status_code == 302
    assert not stored(db, admin.id).is_disabled
    response = post(client, f"/admin/users/{admin.id}/role", {"role": "member", "bureau_code": ""})
    assert response.status_code == 400 and "自分自身" in response.get_data(as_text=True)
    assert stored(db, admin.id).role == "admin"
    assert client.get("/admin/").status_code == 200


def test_change_role(app, client, admin, make_user, login, db):
    target = make_user(role="advisor", email="advisor@example.jp")
    other = app.test_client()
    login(target.email, c=other)
    response = post(
        client, f"/admin/users/{target.id}/role", {"role": "bureau", "bureau_code": "chubu"}
    )
    assert response.status_code == 302
    changed = stored(db, target.id)
    assert (changed.role, changed.bureau_code) == ("bureau", "chubu")
    [event] = events(db, "role_change")
    assert event.user_id == admin.id
    assert event.details["from"] == "advisor" and event.details["to"] == "bureau"
    assert other.get("/account").status_code == 302  # re-login with the new role

    response = post(client, f"/admin/users/{target.id}/role", {"role": "bureau", "bureau_code": ""})
    assert response.status_code == 400 and "管轄を選んでください" in response.get_data(as_text=True)
    response = post(client, f"/admin/users/{target.id}/role", {"role": "god", "bureau_code": ""})
    assert response.status_code == 400
    assert stored(db, target.id).bureau_code == "chubu"

    assert post(client, f"/admin/users/{target.id}/role", {"role": "admin"}).status_code == 302
    assert (stored(db, target.id).role, stored(db, target.id).bureau_code) == ("admin", None)


def test_role_change_refused_for_company_members(client, admin, make_user, make_company, db):
    owner = make_user(email="owner@example.jp")
    make_company(owner)
    html = client.get(f"/admin/users/{owner.id}").get_data(as_text=True)
    assert "企業に所属しているユーザーの種別は変更できません" in html
    response = post(client, f"/admin/users/{owner.id}/role", {"role": "advisor"})
    assert response.status_code == 400
    assert stored(db, owner.id).role == "member"
    assert events(db, "role_change") == []


def test_actions_without_csrf_change_nothing(client, admin, make_user, db):
    target = make_user(role="advisor")
    assert client.post(f"/admin/users/{target.id}/disable").status_code == 400
    response = client.post(f"/admin/users/{target.id}/role", data={"role": "admin"})
    assert response.status_code == 400
    assert stored(db, target.id).role == "advisor" and not stored(db, target.id).is_disabled


def test_actions_are_post_only_and_unknown_users_404(client, admin):
    assert client.get("/admin/users/1/disable").status_code == 405
    assert client.get("/admin/users/99999").status_code == 404
    assert post(client, "/admin/users/99999/disable").status_code == 404


def test_send_reset_link(client, admin, make_user, db):
    target = make_user(role="bureau", bureau_code="kinki", email="kinki@meti.example")
    assert post(client, f"/admin/users/{target.id}/send-reset").status_code == 302
    assert outbox()[-1]["to"] == "kinki@meti.example"
    assert events(db, "password_reset_sent")


def test_index_versions_are_listed(client, admin):
    html = client.get("/admin/versions").get_data(as_text=True)
    assert "2019-07" in html and "既定" in html and "<form" not in html.split("<h1>")[1]


def test_admin_cannot_open_company_pages(client, admin, make_user, make_company):
    company = make_company(make_user(email="owner@example.jp"))
    assert client.get(f"/companies/{company.id}").status_code == 404


def test_clear_two_factor_for_a_lost_authenticator(app, client, admin, make_user, login, db):
    target = make_user(role="advisor", email="lost@example.jp")
    target.totp_secret, target.totp_last_counter = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", 5
    db.session.commit()
    html = client.get(f"/admin/users/{target.id}").get_data(as_text=True)
    assert "2段階認証を解除する" in html and target.totp_secret not in html
    assert post(client, f"/admin/users/{target.id}/clear-2fa").status_code == 302
    cleared = stored(db, target.id)
    assert cleared.totp_secret is None and cleared.totp_last_counter is None
    assert events(db, "totp_cleared")[0].details == {"target_user_id": target.id}
    login(target.email, c=app.test_client())  # password alone works again
