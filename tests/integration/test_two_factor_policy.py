"""2FA required per role by an administrator, TOTP secrets encrypted at rest, single-use hashed
recovery codes shown once (issue 9, finding 12)."""

import re
import time

import pyotp
import pytest
from bs4 import BeautifulSoup
from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import inspect, text

from app import secret_box
from app.models import RecoveryCode, User
from tests.conftest import PASSWORD, csrf_from

CODE = re.compile(r"\A[A-Z2-9]{5}-[A-Z2-9]{5}\Z")


def enable_totp(client, user=None):
    """Turn TOTP on through the form; returns (secret, recovery codes shown)."""
    page = client.get("/account/2fa")
    secret = (
        BeautifulSoup(page.data, "html.parser").select_one(".totp-secret code").get_text()
    ).replace(" ", "")
    response = client.post(
        "/account/2fa/enable",
        data={
            "current_password": PASSWORD,
            "code": pyotp.TOTP(secret).now(),
            "csrf_token": csrf_from(page),
        },
    )
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.headers["Cache-Control"] == "no-store"
    soup = BeautifulSoup(response.data, "html.parser")
    codes = [li.get_text(strip=True) for li in soup.select(".recovery-codes li")]
    return secret, codes


def second_step(app, email, code):
    browser = app.test_client()
    page = browser.get("/login")
    response = browser.post(
        "/login", data={"email": email, "password": PASSWORD, "csrf_token": csrf_from(page)}
    )
    assert response.headers["Location"].endswith("/login/2fa")
    page = browser.get("/login/2fa")
    return browser.post("/login/2fa", data={"code": code, "csrf_token": csrf_from(page)})


# -- encryption at rest -----------------------------------------------------------------------


def test_totp_secret_is_stored_encrypted(client, make_user, login, db):
    user = make_user(role="advisor")
    login(user.email)
    secret, _ = enable_totp(client)
    columns = {c["name"] for c in inspect(db.engine).get_columns("users")}
    assert "totp_secret" not in columns  # no plaintext column left
    stored = db.session.execute(
        text("SELECT totp_secret_encrypted FROM users WHERE id = :id"), {"id": user.id}
    ).scalar()
    assert secret not in stored and secret.lower() not in stored.lower()
    assert secret_box.decrypt(stored) == secret
    with pytest.raises(InvalidToken):  # another key opens nothing
        Fernet(Fernet.generate_key()).decrypt(stored.encode())


def test_the_configured_key_is_the_one_used(app, monkeypatch):
    key = Fernet.generate_key().decode()
    monkeypatch.setitem(app.config, "TOTP_ENCRYPTION_KEY", key)
    token = secret_box.encrypt("JBSWY3DPEHPK3PXP")
    assert Fernet(key.encode()).decrypt(token.encode()) == b"JBSWY3DPEHPK3PXP"
    # Rotation: a new first key encrypts, the old one still decrypts.
    monkeypatch.setitem(
        app.config, "TOTP_ENCRYPTION_KEY", f"{Fernet.generate_key().decode()},{key}"
    )
    assert secret_box.decrypt(token) == "JBSWY3DPEHPK3PXP"


# -- recovery codes ---------------------------------------------------------------------------


def test_recovery_codes_are_shown_once_stored_hashed_and_work_once(
    app, client, make_user, login, db
):
    user = make_user(role="bureau", bureau_code="kanto")
    login(user.email)
    _, codes = enable_totp(client)
    assert len(codes) == 10 and len(set(codes)) == 10 and all(CODE.match(c) for c in codes)
    hashes = db.session.scalars(db.select(RecoveryCode.code_hash)).all()
    assert len(hashes) == 10
    assert not any(c.replace("-", "") in h.upper() for c in codes for h in hashes)
    assert not any(c in client.get("/account/2fa").get_data(as_text=True) for c in codes)

    response = second_step(app, user.email, codes[0].lower().replace("-", " "))
    assert response.status_code == 302  # a recovery code stands in for the TOTP code
    assert second_step(app, user.email, codes[0]).status_code == 400  # once only
    assert second_step(app, user.email, codes[1]).status_code == 302  # the others still work


def test_new_recovery_codes_replace_the_old_ones(app, client, make_user, login):
    user = make_user(role="advisor")
    login(user.email)
    _, old = enable_totp(client)
    page = client.get("/account/2fa")
    response = client.post(
        "/account/2fa/recovery-codes",
        data={"current_password": PASSWORD, "csrf_token": csrf_from(page)},
    )
    new = [
        li.get_text(strip=True)
        for li in BeautifulSoup(response.data, "html.parser").select(".recovery-codes li")
    ]
    assert response.status_code == 200 and len(new) == 10 and not set(new) & set(old)
    assert second_step(app, user.email, old[2]).status_code == 400
    assert second_step(app, user.email, new[2]).status_code == 302


def test_turning_2fa_off_removes_the_recovery_codes(client, make_user, login, db):
    user = make_user(role="advisor")
    login(user.email)
    secret, _ = enable_totp(client)
    page = client.get("/account/2fa")
    response = client.post(
        "/account/2fa/disable",
        data={
            "current_password": PASSWORD,
            "code": _next_code(secret),  # the setup code's step is used up
            "csrf_token": csrf_from(page),
        },
    )
    assert response.status_code == 302
    assert db.session.scalar(db.select(db.func.count()).select_from(RecoveryCode)) == 0


def _next_code(secret):
    return pyotp.TOTP(secret).generate_otp(int(time.time() // 30) + 1)


# -- the per-role policy ----------------------------------------------------------------------


def set_policy(client, **roles):
    page = client.get("/admin/security")
    data = {"csrf_token": csrf_from(page), **{r: "y" for r, on in roles.items() if on}}
    return client.post("/admin/security", data=data)


def test_an_admin_requires_2fa_for_a_role(app, client, make_user, login, db):
    admin = make_user(role="admin", email="admin@example.jp")
    bureau = make_user(role="bureau", bureau_code="kanto", email="bureau@example.jp")
    login(admin.email)
    page = BeautifulSoup(client.get("/admin/security").data, "html.parser")
    assert not any(box.has_attr("checked") for box in page.select("input[type=checkbox]"))
    assert set_policy(client, bureau=True).status_code == 302

    staff = app.test_client()
    login(bureau.email, c=staff)
    response = staff.get("/bureau/reports")
    assert response.status_code == 302 and response.headers["Location"].endswith("/account/2fa")
    assert staff.get("/account/2fa").status_code == 200
    enable_totp(staff)
    assert staff.get("/bureau/reports").status_code == 200
    # Required means it cannot be turned off.
    page = staff.get("/account/2fa")
    assert "無効にはできません" in page.get_data(as_text=True)
    assert (
        staff.post(
            "/account/2fa/disable",
            data={"current_password": PASSWORD, "code": "000000", "csrf_token": csrf_from(page)},
        )
        .headers["Location"]
        .endswith("/account/2fa")
    )
    db.session.expire_all()
    assert db.session.get(User, bureau.id).totp_secret_encrypted is not None


def test_members_can_be_required_too(app, client, make_user, login):
    admin = make_user(role="admin", email="admin@example.jp")
    member = make_user(email="member@example.jp")
    login(admin.email)
    set_policy(client, member=True)
    browser = app.test_client()
    login(member.email, c=browser)
    assert browser.get("/companies/").headers["Location"].endswith("/account/2fa")
    _, codes = enable_totp(browser)
    assert len(codes) == 10


def test_the_default_comes_from_the_configuration(app, client, make_user, login, monkeypatch):
    # Production's default (admin and bureau); development and tests default to none.
    monkeypatch.setitem(app.config, "TWO_FACTOR_REQUIRED_ROLES", ("admin", "bureau"))
    admin = make_user(role="admin", email="admin@example.jp")
    advisor = make_user(role="advisor", email="advisor@example.jp")
    login(admin.email)
    assert client.get("/admin/").headers["Location"].endswith("/account/2fa")
    other = app.test_client()
    login(advisor.email, c=other)
    assert other.get("/advisor/clients").status_code == 200


def test_the_recovery_codes_page_has_working_forms(client, make_user, login):
    # Turning 2FA on starts a new session in the same request; the page's logout form must carry
    # a CSRF token of that new session.
    user = make_user(role="advisor")
    login(user.email)
    page = client.get("/account/2fa")
    secret = (
        BeautifulSoup(page.data, "html.parser").select_one(".totp-secret code").get_text()
    ).replace(" ", "")
    codes_page = client.post(
        "/account/2fa/enable",
        data={
            "current_password": PASSWORD,
            "code": pyotp.TOTP(secret).now(),
            "csrf_token": csrf_from(page),
        },
    )
    assert client.post("/logout", data={"csrf_token": csrf_from(codes_page)}).status_code == 302
