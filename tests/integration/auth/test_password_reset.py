"""Forgotten password, reset links, password change and the password policy end to end."""

import re
from datetime import timedelta

import pytest

from app.auth.passwords import hash_password, verify_password
from app.models import AuditEvent, PasswordResetToken, User
from app.models._time import utcnow
from app.web.mail import outbox
from tests.conftest import PASSWORD, csrf_from
from tests.pages import Page

NEW_PASSWORD = "a brand new long passphrase"
LINK = re.compile(r"https?://[^\s/]+(/password/reset/[\w-]+)")


def _refusal(response, text: str) -> bool:
    """The reset-link refusal page states ``text`` in its alert."""
    return any(text in m for m in Page(response).texts('p.error[role="alert"]'))


def _form_error(response, text: str) -> bool:
    """The form came back with ``text`` both in the error summary and beside a field."""
    page = Page(response)
    return any(text in m for m in page.error_summary()) and any(
        text in m for m in page.field_errors()
    )


def ask_for_link(client, email):
    page = client.get("/password/forgot")
    return client.post("/password/forgot", data={"email": email, "csrf_token": csrf_from(page)})


def reset_path(email) -> str:
    mails = [m for m in outbox() if m["to"] == email]
    assert mails, "no mail sent"
    return LINK.search(mails[-1]["body"]).group(1)


def set_password(client, path, password, confirm=None):
    page = client.get(path)
    return client.post(
        path,
        data={
            "password": password,
            "password_confirm": password if confirm is None else confirm,
            "csrf_token": csrf_from(page),
        },
    )


def can_log_in(app, email, password) -> bool:
    client = app.test_client()
    page = client.get("/login")
    response = client.post(
        "/login", data={"email": email, "password": password, "csrf_token": csrf_from(page)}
    )
    return response.status_code == 302


@pytest.fixture(autouse=True)
def _empty_outbox(app):
    outbox().clear()


def test_login_page_links_to_forgotten_password(client):
    assert 'href="/password/forgot">パスワードをお忘れの方</a>' in client.get("/login").get_data(
        as_text=True
    )


def test_known_and_unknown_addresses_get_identical_responses(app, make_user):
    user = make_user(email="known@example.jp")
    known = ask_for_link(app.test_client(), user.email)
    unknown = ask_for_link(app.test_client(), "nobody@example.jp")
    assert known.status_code == unknown.status_code == 302
    assert known.headers["Location"] == unknown.headers["Location"]
    assert known.get_data() == unknown.get_data()
    sent = app.test_client().get(known.headers["Location"])
    sent_page = Page(sent)
    assert sent_page.h1 == "メールをご確認ください"
    assert sent_page.texts("main p")[0].startswith(
        "入力されたメールアドレスでアカウントが登録されている場合は"
    )
    assert [m["to"] for m in outbox()] == ["known@example.jp"]


def test_disabled_account_gets_no_link_and_the_same_answer(app, make_user, db):
    user = make_user(email="gone@example.jp")
    user.is_disabled = True
    db.session.commit()
    response = ask_for_link(app.test_client(), "GONE@example.jp")
    assert response.status_code == 302 and response.headers["Location"].endswith("/sent")
    assert outbox() == []


def test_reset_sets_the_password_once_and_ends_other_sessions(app, client, make_user, login, db):
    user = make_user(email="taro@example.jp")
    other = app.test_client()
    login(user.email, c=other)
    ask_for_link(client, "  Taro@Example.jp ")
    path = reset_path(user.email)
    token = path.rsplit("/", 1)[1]
    assert len(token) >= 43  # token_urlsafe(32)
    stored = db.session.scalar(db.select(PasswordResetToken))
    assert stored.token_hash != token and len(stored.token_hash) == 64  # only the hash is kept

    page = client.get(path)
    assert page.status_code == 200 and page.headers["Referrer-Policy"] == "no-referrer"
    response = set_password(client, path, NEW_PASSWORD)
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    assert other.get("/account").status_code == 302  # the old session ended
    assert not can_log_in(app, user.email, PASSWORD)
    assert can_log_in(app, user.email, NEW_PASSWORD)
    assert db.session.scalar(db.select(AuditEvent).where(AuditEvent.event == "password_reset"))

    reused = client.get(path)
    assert reused.status_code == 400
    assert _refusal(reused, "既に使用されています")
    token = csrf_from(client.get("/password/forgot"))
    response = client.post(
        path,
        data={
            "password": "yet another pass",
            "password_confirm": "yet another pass",
            "csrf_token": token,
        },
    )
    assert response.status_code == 400 and _refusal(response, "既に使用されています")
    assert can_log_in(app, user.email, NEW_PASSWORD)


def test_expired_link_is_refused(client, make_user, db, app):
    user = make_user()
    ask_for_link(client, user.email)
    path = reset_path(user.email)
    token_row = db.session.scalar(db.select(PasswordResetToken))
    token_row.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    response = client.get(path)
    assert response.status_code == 400
    assert _refusal(response, "有効期限が切れています")
    assert can_log_in(app, user.email, PASSWORD)


def test_link_lives_one_hour(client, make_user, db):
    user = make_user()
    ask_for_link(client, user.email)
    token_row = db.session.scalar(db.select(PasswordResetToken))
    expires = token_row.expires_at.replace(tzinfo=None)
    lifetime = expires - utcnow().replace(tzinfo=None)
    assert timedelta(minutes=59) < lifetime <= timedelta(hours=1)


@pytest.mark.parametrize("token", ["not-a-real-token", "x" * 200, "%00"])
def test_unknown_link_is_refused(client, token):
    response = client.get(f"/password/reset/{token}")
    assert response.status_code in (400, 404)
    if response.status_code == 400:
        assert _refusal(response, "このリンクは無効です")


def test_a_new_password_makes_older_links_useless(client, make_user, app):
    user = make_user()
    ask_for_link(client, user.email)
    first = reset_path(user.email)
    ask_for_link(client, user.email)
    second = reset_path(user.email)
    assert first != second
    assert set_password(client, second, NEW_PASSWORD).status_code == 302
    assert client.get(first).status_code == 400


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("password123", "よく使われるパスワード"),
        ("dxsuishin2025", "よく使われるパスワード"),
        ("short", "12文字以上"),
        ("x" * 129, "128文字以内"),
    ],
)
def test_reset_applies_the_password_policy(client, make_user, app, password, message):
    user = make_user()
    ask_for_link(client, user.email)
    path = reset_path(user.email)
    response = set_password(client, path, password)
    assert response.status_code == 400
    assert _form_error(response, message)
    assert can_log_in(app, user.email, PASSWORD)
    assert client.get(path).status_code == 200  # the link is still unused


def test_mismatched_confirmation_changes_nothing(client, make_user, app):
    user = make_user()
    ask_for_link(client, user.email)
    response = set_password(client, reset_path(user.email), NEW_PASSWORD, "something else!!")
    assert response.status_code == 400 and _form_error(response, "一致しません")
    assert can_log_in(app, user.email, PASSWORD)


@pytest.mark.parametrize("length", [64, 128])
def test_long_passwords_work_end_to_end(client, make_user, app, length):
    user = make_user()
    long_password = ("長いパスフレーズ long passphrase " * 10)[:length]
    assert len(long_password) == length
    ask_for_link(client, user.email)
    assert set_password(client, reset_path(user.email), long_password).status_code == 302
    assert can_log_in(app, user.email, long_password)
    assert not can_log_in(app, user.email, long_password[:-1])


def test_passwords_differing_after_byte_72_do_not_both_verify(client, make_user, login, app):
    prefix = "Kumo ga nagareru, kaze ga fuku; tsuki no hikari to hoshi no oto 2026 ok!"
    assert len(prefix) == 72  # strong enough for the policy (zxcvbn judges the first 72)
    first = prefix + "firstend"
    second = prefix + "secondxx"
    assert len(first.encode()) == len(second.encode()) == 80
    stored = hash_password(first)
    assert verify_password(stored, first) and not verify_password(stored, second)

    user = make_user()
    login(user.email)
    page = client.get("/account/password")
    response = client.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "password": first,
            "password_confirm": first,
            "csrf_token": csrf_from(page),
        },
    )
    assert response.status_code == 302
    assert can_log_in(app, user.email, first)
    assert not can_log_in(app, user.email, second)


def test_change_password_needs_the_current_one(client, make_user, login, app, db):
    user = make_user()
    login(user.email)
    page = client.get("/account/password")
    response = client.post(
        "/account/password",
        data={
            "current_password": "not my password!",
            "password": NEW_PASSWORD,
            "password_confirm": NEW_PASSWORD,
            "csrf_token": csrf_from(page),
        },
    )
    assert response.status_code == 400
    assert _form_error(response, "現在のパスワードが正しくありません")
    assert can_log_in(app, user.email, PASSWORD)
    for weak in ("password123", "dxsuishin2025"):
        response = client.post(
            "/account/password",
            data={
                "current_password": PASSWORD,
                "password": weak,
                "password_confirm": weak,
                "csrf_token": csrf_from(page),
            },
        )
        assert response.status_code == 400
        assert _form_error(response, "よく使われるパスワード")
    assert can_log_in(app, user.email, PASSWORD)


def test_change_password_keeps_this_browser_and_ends_the_others(app, client, make_user, login, db):
    user = make_user(email="hanako@example.jp")
    other = app.test_client()
    login(user.email)
    login(user.email, c=other)
    assert Page(client.get("/account")).select('main a[href="/account/password"]')
    before = db.session.get(User, user.id).session_version
    page = client.get("/account/password")
    response = client.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "password": NEW_PASSWORD,
            "password_confirm": NEW_PASSWORD,
            "csrf_token": csrf_from(page),
        },
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("/account")
    assert client.get("/account").status_code == 200
    assert other.get("/account").status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user.id).session_version == before + 1
    assert can_log_in(app, user.email, NEW_PASSWORD)
    assert outbox()[-1]["to"] == user.email and "変更されました" in outbox()[-1]["subject"]


def test_change_password_needs_login(client):
    response = client.get("/account/password")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_forgot_password_is_rate_limited(client, make_user):
    statuses = [ask_for_link(client, f"someone{i}@example.jp").status_code for i in range(11)]
    assert statuses[:10] == [302] * 10 and statuses[10] == 429


def test_mail_links_use_the_configured_origin_not_the_host_header(client, make_user, monkeypatch):
    user = make_user()
    monkeypatch.setitem(client.application.config, "PUBLIC_BASE_URL", "https://dx.example.jp/")
    page = client.get("/password/forgot", headers={"Host": "evil.example"})
    client.post(
        "/password/forgot",
        data={"email": user.email, "csrf_token": csrf_from(page)},
        headers={"Host": "evil.example"},
    )
    body = outbox()[-1]["body"]
    assert "https://dx.example.jp/password/reset/" in body and "evil.example" not in body


def test_reset_form_without_csrf_changes_nothing(client, make_user, app):
    user = make_user()
    ask_for_link(client, user.email)
    path = reset_path(user.email)
    response = client.post(path, data={"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD})
    assert response.status_code == 400
    assert can_log_in(app, user.email, PASSWORD)
