"""Two-factor authentication (TOTP): setup, login with a code, wrong and replayed codes,
rate limits, turning it off, and a password reset that must not skip it."""

import re
import time

import pyotp
import pytest

from app.auth import totp
from app.models import AuditEvent, User
from app.web.mail import outbox
from tests.conftest import PASSWORD, csrf_from
from tests.pages import Page

NEW_PASSWORD = "a brand new long passphrase"


def current_step() -> int:
    return int(time.time() // 30)


def code_at(secret: str, offset: int = 0, step: int | None = None) -> str:
    """The code of ``step`` (default: the current 30-second step) plus ``offset`` steps.

    Tests that use several codes fix ``step`` once, so crossing a step boundary mid-test
    cannot turn a replayed code into a fresh one.
    """
    return pyotp.TOTP(secret).generate_otp((current_step() if step is None else step) + offset)


@pytest.fixture()
def advisor_with_totp(make_user, db):
    user = make_user(role="advisor", email="advisor@example.jp")
    user.totp_secret = pyotp.random_base32()
    db.session.commit()
    return user


def password_step(client, email, password=PASSWORD, next_url=None):
    page = client.get("/login")
    url = "/login" + (f"?next={next_url}" if next_url else "")
    return client.post(
        url, data={"email": email, "password": password, "csrf_token": csrf_from(page)}
    )


def code_step(client, code):
    page = client.get("/login/2fa")
    return client.post("/login/2fa", data={"code": code, "csrf_token": csrf_from(page)})


def is_logged_in(client) -> bool:
    return client.get("/account").status_code == 200


def test_setup_shows_a_secret_and_enables_with_a_code(client, make_user, login, db):
    user = make_user(role="bureau", bureau_code="kanto")
    login(user.email)
    page = client.get("/account")
    assert Page(page).select('main a[href="/account/2fa"]')
    page = client.get("/account/2fa")
    setup = Page(page)
    grouped = setup.text("p.totp-secret code")
    assert re.fullmatch(r"[A-Z2-7 ]+", grouped)
    secret = grouped.replace(" ", "")
    assert len(secret) == 32
    uri = setup.text("details p.totp-uri code")
    assert uri.startswith("otpauth://totp/") and f"secret={secret}" in uri
    assert "https://" not in str(setup.select_one("p.totp-uri").find_parent("details"))  # no QR

    # a reload keeps the same secret until it is confirmed
    assert Page(client.get("/account/2fa")).text("p.totp-secret code") == grouped

    # wrong code and wrong password change nothing
    for password, code, message in (
        (PASSWORD, "000000" if code_at(secret) != "000000" else "111111", "確認コードが正しくない"),
        ("wrong password here", code_at(secret), "現在のパスワードが正しくありません"),
        (PASSWORD, "12345", "確認コードが正しくない"),
    ):
        response = client.post(
            "/account/2fa/enable",
            data={"current_password": password, "code": code, "csrf_token": csrf_from(page)},
        )
        assert response.status_code == 400
        assert any(message in m for m in Page(response).error_summary())
        db.session.expire_all()
        assert db.session.get(User, user.id).totp_secret is None

    response = client.post(
        "/account/2fa/enable",
        data={"current_password": PASSWORD, "code": code_at(secret), "csrf_token": csrf_from(page)},
    )
    # The answer shows the recovery codes, once (test_two_factor_policy.py has the details).
    assert response.status_code == 200 and "回復コード" in response.get_data(as_text=True)
    db.session.expire_all()
    stored = db.session.get(User, user.id)
    assert stored.totp_secret == secret and stored.totp_last_counter is not None
    assert is_logged_in(client)  # the browser that turned it on stays signed in
    assert db.session.scalar(
        db.select(AuditEvent).where(
            AuditEvent.event == "totp_enabled", AuditEvent.user_id == user.id
        )
    )


def test_enabling_ends_other_sessions(app, make_user, login):
    user = make_user(role="advisor")
    first, other = app.test_client(), app.test_client()
    login(user.email, c=first)
    login(user.email, c=other)
    page = first.get("/account/2fa")
    secret = Page(page).text("p.totp-secret code").replace(" ", "")
    first.post(
        "/account/2fa/enable",
        data={"current_password": PASSWORD, "code": code_at(secret), "csrf_token": csrf_from(page)},
    )
    assert is_logged_in(first)
    assert not is_logged_in(other)


def test_members_have_no_2fa_page(client, make_user, login):
    user = make_user()
    login(user.email)
    assert client.get("/account/2fa").status_code == 404
    account = Page(client.get("/account"))
    assert account.h1 and 'href="/account/2fa"' not in account.html


def test_login_asks_for_the_code_before_signing_in(client, advisor_with_totp, db):
    response = password_step(client, advisor_with_totp.email, next_url="/account")
    assert response.status_code == 302 and response.headers["Location"].endswith("/login/2fa")
    assert not is_logged_in(client)  # the password alone is not a login
    response = code_step(client, code_at(advisor_with_totp.totp_secret))
    assert response.status_code == 302 and response.headers["Location"].endswith("/account")
    assert is_logged_in(client)
    event = db.session.scalar(
        db.select(AuditEvent).where(AuditEvent.event == "login").order_by(AuditEvent.id.desc())
    )
    assert event.details == {"second_factor": "totp"}


def test_wrong_password_never_reaches_the_code_step(client, advisor_with_totp):
    response = password_step(client, advisor_with_totp.email, password="not the password!")
    assert response.status_code == 200
    assert client.get("/login/2fa").headers["Location"].endswith("/login")


def test_wrong_code_is_refused_and_logged(client, advisor_with_totp, db):
    password_step(client, advisor_with_totp.email)
    right = code_at(advisor_with_totp.totp_secret)
    for bad in ("000000" if right != "000000" else "999999", "abcdef", "1234567", ""):
        response = code_step(client, bad)
        assert response.status_code == 400
        assert not is_logged_in(client)
    assert (
        db.session.scalar(
            db.select(db.func.count(AuditEvent.id)).where(AuditEvent.event == "login_2fa_failed")
        )
        >= 2
    )
    assert code_step(client, right).status_code == 302  # still possible with the right code


def test_a_code_works_once(app, advisor_with_totp):
    secret, step = advisor_with_totp.totp_secret, current_step()
    first, second = app.test_client(), app.test_client()
    code = code_at(secret, step=step)
    password_step(first, advisor_with_totp.email)
    assert code_step(first, code).status_code == 302
    password_step(second, advisor_with_totp.email)
    response = code_step(second, code)  # replayed within its 30-second window
    assert response.status_code == 400
    assert any("既に使用されています" in m for m in Page(response).error_summary())
    assert not is_logged_in(second)
    # an earlier step's code is refused too once a later one was used
    assert code_step(second, code_at(secret, -1, step)).status_code == 400
    assert code_step(second, code_at(secret, +1, step)).status_code == 302


def test_the_confirming_code_cannot_be_used_to_log_in(client, make_user, login, app):
    user = make_user(role="admin")
    login(user.email)
    page = client.get("/account/2fa")
    secret = Page(page).text("p.totp-secret code").replace(" ", "")
    code = code_at(secret)
    client.post(
        "/account/2fa/enable",
        data={"current_password": PASSWORD, "code": code, "csrf_token": csrf_from(page)},
    )
    other = app.test_client()
    password_step(other, user.email)
    assert code_step(other, code).status_code == 400


def test_code_step_is_rate_limited(client, advisor_with_totp):
    password_step(client, advisor_with_totp.email)
    wrong = "000000" if code_at(advisor_with_totp.totp_secret) != "000000" else "111111"
    statuses = [code_step(client, wrong).status_code for _ in range(6)]
    assert statuses[:5] == [400] * 5 and statuses[5] == 429  # TOTP_LIMITS: 5 per 15 minutes
    # the right code is refused as well while the limit holds
    assert code_step(client, code_at(advisor_with_totp.totp_secret)).status_code == 429


def test_pending_login_expires(client, advisor_with_totp):
    password_step(client, advisor_with_totp.email)
    token = csrf_from(client.get("/login"))  # the session's token, as the code page holds it
    with client.session_transaction() as session:
        pending = dict(session[totp.PENDING_KEY])
        pending["started"] = int(time.time()) - totp.PENDING_SECONDS - 1
        session[totp.PENDING_KEY] = pending
    response = client.post(
        "/login/2fa", data={"code": code_at(advisor_with_totp.totp_secret), "csrf_token": token}
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    assert not is_logged_in(client)


def test_code_step_without_a_password_step_goes_back_to_login(client):
    assert client.get("/login/2fa").headers["Location"].endswith("/login")


def test_disabled_account_cannot_finish_the_code_step(client, advisor_with_totp, db):
    password_step(client, advisor_with_totp.email)
    advisor_with_totp.is_disabled = True
    db.session.commit()
    response = client.get("/login/2fa")
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")


def test_disabling_needs_password_and_code(client, advisor_with_totp, db):
    secret, step = advisor_with_totp.totp_secret, current_step()
    password_step(client, advisor_with_totp.email)
    code_step(client, code_at(secret, step=step))
    page = client.get("/account/2fa")
    assert "無効にする" in Page(page).texts("main form button")

    def disable(password, code):
        return client.post(
            "/account/2fa/disable",
            data={"current_password": password, "code": code, "csrf_token": csrf_from(page)},
        )

    assert disable("wrong password!!", code_at(secret, 1, step)).status_code == 400
    assert disable(PASSWORD, code_at(secret, 0, step)).status_code == 400  # the login's code
    db.session.expire_all()
    assert db.session.get(User, advisor_with_totp.id).totp_secret == secret
    assert disable(PASSWORD, code_at(secret, 1, step)).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, advisor_with_totp.id).totp_secret is None
    assert is_logged_in(client)


def test_password_reset_does_not_bypass_2fa(client, advisor_with_totp):
    page = client.get("/password/forgot")
    client.post(
        "/password/forgot", data={"email": advisor_with_totp.email, "csrf_token": csrf_from(page)}
    )
    link = re.search(r"http://[^\s]+/password/reset/[\w-]+", outbox()[-1]["body"]).group(0)
    path = link.split("localhost", 1)[1]
    page = client.get(path)
    response = client.post(
        path,
        data={
            "password": NEW_PASSWORD,
            "password_confirm": NEW_PASSWORD,
            "csrf_token": csrf_from(page),
        },
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    assert not is_logged_in(client)  # a reset never signs anyone in
    response = password_step(client, advisor_with_totp.email, password=NEW_PASSWORD)
    assert response.headers["Location"].endswith("/login/2fa")
    assert not is_logged_in(client)
    assert code_step(client, code_at(advisor_with_totp.totp_secret)).status_code == 302
    assert is_logged_in(client)


def test_codes_with_spaces_or_full_width_digits_are_accepted(client, advisor_with_totp):
    code = code_at(advisor_with_totp.totp_secret)
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in code)
    password_step(client, advisor_with_totp.email)
    assert code_step(client, full_width[:3] + " " + full_width[3:]).status_code == 302


def test_only_the_neighbouring_steps_are_accepted():
    secret = pyotp.random_base32()
    now = 1_800_000_000.0
    step = int(now // 30)
    generate = pyotp.TOTP(secret).generate_otp
    assert totp.matching_counter(secret, generate(step), now) == step
    assert totp.matching_counter(secret, generate(step - 1), now) == step - 1
    assert totp.matching_counter(secret, generate(step + 1), now) == step + 1
    assert totp.matching_counter(secret, generate(step + 2), now) is None
    assert totp.matching_counter(secret, generate(step - 2), now) is None
    assert totp.matching_counter(secret, "١٢٣٤٥٦", now) is None  # Arabic-Indic digits
