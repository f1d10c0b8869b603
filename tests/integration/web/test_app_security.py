"""Cross-cutting rules: every view has a guard, headers on every response, safe config."""

import re
import time
from types import SimpleNamespace

import pytest

from app import create_app
from app.config import ConfigError
from app.extensions import db
from app.web.safe_redirect import safe_next_url
from tests.conftest import PASSWORD, csrf_from


def test_every_endpoint_has_an_access_guard(app):
    missing = [
        endpoint
        for endpoint, view in app.view_functions.items()
        if endpoint != "static" and not getattr(view, "access_guard", None)
    ]
    assert missing == [], f"views without a guard: {missing}"


def test_security_headers_on_pages_errors_and_static(client, make_user, login):
    user = make_user()
    login(user.email)
    for url in (
        "/",
        "/login",
        "/companies/",
        "/no-such-page",
        "/static/css/app.css",
        "/session/status",
    ):
        response = client.get(url)
        h = response.headers
        assert "frame-ancestors 'none'" in h["Content-Security-Policy"], url
        assert "script-src 'self'" in h["Content-Security-Policy"]
        assert h["X-Content-Type-Options"] == "nosniff"
        assert h["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert client.get("/companies/").headers["Cache-Control"] == "no-store"


def test_session_cookie_flags(client, make_user):
    user = make_user()
    page = client.get("/login")
    response = client.post(
        "/login", data={"email": user.email, "password": PASSWORD, "csrf_token": csrf_from(page)}
    )
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_production_refuses_to_start_without_secret_key(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app(
            {"APP_ENV": "production", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.sqlite3"}
        )


def test_production_refuses_debug(production_env, tmp_path):
    with pytest.raises(ConfigError, match="DEBUG"):
        create_app({"APP_ENV": "production", "DEBUG": True})


@pytest.mark.parametrize("backend", ["log", "pigeon", ""])
def test_production_refuses_a_mail_backend_other_than_smtp(production_env, backend):
    # The log backend keeps one-time links in the in-memory outbox and delivers nothing.
    monkeypatch = production_env
    monkeypatch.setenv("MAIL_BACKEND", backend)
    with pytest.raises(ConfigError, match="MAIL_BACKEND"):
        create_app({"APP_ENV": "production"})
    monkeypatch.delenv("MAIL_BACKEND")
    with pytest.raises(ConfigError, match="MAIL_BACKEND"):
        create_app({"APP_ENV": "production", "MAIL_BACKEND": backend})
    assert create_app({"APP_ENV": "production"}).config["MAIL_BACKEND"] == "smtp"


@pytest.mark.parametrize("url", [None, "", "http://dx.example.jp"])
def test_production_refuses_to_start_without_an_https_public_base_url(production_env, url):
    if url is None:
        production_env.delenv("PUBLIC_BASE_URL")
    else:
        production_env.setenv("PUBLIC_BASE_URL", url)
    with pytest.raises(ConfigError, match="PUBLIC_BASE_URL"):
        create_app({"APP_ENV": "production"})


def test_production_cookies_are_secure(production_env):
    # A database of its own (the pages read the default index version from it).
    production_env.setenv("DATABASE_URL", "sqlite://")
    app = create_app({"APP_ENV": "production"})
    with app.app_context():
        db.create_all()
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_NAME"] == "__Host-session"
    response = app.test_client().get("/login")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "https://evil.example",
        "/\\evil.example",
        "javascript:alert(1)",
        "https:evil.example",
        "/ok\r\nx",
    ],
)
def test_next_parameter_cannot_leave_the_site(target):
    assert safe_next_url(target) is None


def test_next_parameter_keeps_local_paths():
    assert safe_next_url("/assessments/1/steps/vision") == "/assessments/1/steps/vision"


def test_login_redirects_only_to_local_next(client, make_user):
    user = make_user()
    page = client.get("/login?next=//evil.example/x")
    response = client.post(
        "/login?next=//evil.example/x",
        data={"email": user.email, "password": PASSWORD, "csrf_token": csrf_from(page)},
    )
    assert response.headers["Location"] == "/"


def test_unknown_email_and_wrong_password_get_the_same_answer(client, make_user):
    user = make_user()
    page = client.get("/login")
    token = csrf_from(page)
    wrong = client.post(
        "/login", data={"email": user.email, "password": "wrong password!!", "csrf_token": token}
    )
    unknown = client.post(
        "/login",
        data={"email": "nobody@example.jp", "password": "wrong password!!", "csrf_token": token},
    )
    assert wrong.status_code == unknown.status_code == 200

    def page_text(response):
        # Only the typed e-mail and the per-render CSRF signature may differ.
        html = response.get_data(as_text=True)
        html = html.replace("nobody@example.jp", "").replace(user.email, "")
        return re.sub(r'(name="csrf_token"[^>]*value=|data-csrf=)"[^"]+"', "", html)

    assert page_text(wrong) == page_text(unknown)
    assert "メールアドレスまたはパスワードが正しくありません。" in page_text(wrong)


def test_login_limit_counts_the_last_15_minutes_at_every_attempt(client, make_user, monkeypatch):
    """A moving window: 9 attempts at the end of one window and more at the start of the next
    are refused. (Flask-Limiter's default fixed window restarted its count 15 minutes after the
    first attempt and let the next 10 through at once.)"""
    import limits.storage.memory as memory_storage

    from app.extensions import limiter

    assert isinstance(limiter.storage, memory_storage.MemoryStorage)  # the clock below is its
    clock = {"now": 1_000_000.0}
    monkeypatch.setattr(memory_storage, "time", SimpleNamespace(time=lambda: clock["now"]))
    user = make_user()
    token = csrf_from(client.get("/login"))

    def attempt():
        data = {"email": user.email, "password": "nope nope nope", "csrf_token": token}
        return client.post("/login", data=data).status_code

    first = attempt()
    clock["now"] += 899
    end_of_window = [attempt() for _ in range(9)]
    clock["now"] += 2  # the first attempt is now more than 15 minutes old
    next_window = [attempt() for _ in range(3)]
    assert [first, *end_of_window] == [200] * 10
    assert next_window == [200, 429, 429]


def test_login_is_throttled_per_address_and_account(client, make_user):
    user = make_user()
    other = make_user()
    token = csrf_from(client.get("/login"))
    statuses = []
    for _ in range(12):
        response = client.post(
            "/login",
            data={"email": user.email, "password": "nope nope nope", "csrf_token": token},
            headers={"X-Forwarded-For": "192.0.2.1"},  # not trusted: one address all along
        )
        statuses.append(response.status_code)
    assert statuses[:10] == [200] * 10 and statuses[10:] == [429, 429]
    # Even the right password is throttled from here, so guessing gains nothing ...
    response = client.post(
        "/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 429
    # ... but another account from the same address is not.
    response = client.post(
        "/login", data={"email": other.email, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302


def test_session_status_does_not_extend_and_extend_does(app, client, make_user, login):
    user = make_user()
    login(user.email)
    status = client.get("/session/status").get_json()
    assert status["authenticated"] is True and 0 < status["expires_in"] <= 1800
    token = csrf_from(client.get("/account"))
    extended = client.post("/session/extend", headers={"X-CSRFToken": token}).get_json()
    assert extended["expires_in"] >= status["expires_in"]
    assert client.post("/session/extend").status_code == 400  # no CSRF token


def test_activity_is_recorded_at_most_once_a_minute_so_pages_send_no_cookie(
    app, client, make_user, login
):
    """Issue 16: the session cookie is re-signed and sent only when the recorded activity time
    is a minute old (a thirtieth of the idle timeout), not on every page."""
    user = make_user()
    login(user.email)
    client.get("/account")  # (the first page adds the session's CSRF token: one write)
    with client.session_transaction() as session:
        session["last_seen"] = recent = int(time.time()) - 30
    response = client.get("/account")
    assert response.status_code == 200 and "Set-Cookie" not in response.headers
    with client.session_transaction() as session:
        assert session["last_seen"] == recent
        session["last_seen"] = int(time.time()) - 61
    before = int(time.time())
    response = client.get("/account")
    assert "Set-Cookie" in response.headers
    with client.session_transaction() as session:
        assert session["last_seen"] >= before
        session["last_seen"] = recent
    # "continue" on the idle warning always records the time
    token = csrf_from(client.get("/account"))
    extended = client.post("/session/extend", headers={"X-CSRFToken": token}).get_json()
    assert extended["expires_in"] >= app.config["SESSION_IDLE_SECONDS"] - 1
    # a short idle timeout (as in the browser test) records every request
    idle = app.config["SESSION_IDLE_SECONDS"]
    app.config["SESSION_IDLE_SECONDS"] = 10
    try:
        with client.session_transaction() as session:
            session["last_seen"] = int(time.time()) - 1
        assert "Set-Cookie" in client.get("/account").headers
    finally:
        app.config["SESSION_IDLE_SECONDS"] = idle
