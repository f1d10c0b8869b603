"""Nobody can lock a user out with wrong passwords (issue 9, finding 4), and a few wrong TOTP
codes lock the code step (finding 5). Limits are in-memory here; test_throttle_redis.py runs
them against Redis with 2 gunicorn workers."""

import pyotp
import pytest
from bs4 import BeautifulSoup

from tests.conftest import PASSWORD, csrf_from

WRONG = "wrong password, twelve+"


def attempt(client, email, password, ip, token):
    return client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": token},
        environ_base={"REMOTE_ADDR": ip},
    )


def fresh_attempt(app, email, password, ip, browser=None):
    """A login from a browser of its own (a successful login replaces the CSRF token)."""
    browser = browser or app.test_client()
    return attempt(browser, email, password, ip, csrf_from(browser.get("/login")))


@pytest.fixture()
def token(client):
    return csrf_from(client.get("/login"))


def test_wrong_passwords_from_many_addresses_do_not_lock_the_user_out(
    app, client, make_user, token
):
    user = make_user()
    for n in range(20):
        assert attempt(client, user.email, WRONG, f"203.0.113.{n}", token).status_code == 200
    # The real user, from their own address, after the attack: logged in.
    assert attempt(client, user.email, PASSWORD, "198.51.100.7", token).status_code == 302


def test_one_address_guessing_one_account_is_throttled_alone(app, client, make_user, token):
    user, other = make_user(), make_user()
    statuses = [attempt(client, user.email, WRONG, "203.0.113.9", token).status_code]
    statuses += [
        attempt(client, user.email, WRONG, "203.0.113.9", token).status_code for _ in range(10)
    ]
    assert statuses[:10] == [200] * 10 and statuses[10] == 429
    assert fresh_attempt(app, user.email, PASSWORD, "198.51.100.7").status_code == 302
    assert fresh_attempt(app, other.email, PASSWORD, "203.0.113.9").status_code == 302


@pytest.fixture()
def account_limit(app, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_ACCOUNT_LIMITS", "5 per hour")


def _flood(app, email):
    attacker = app.test_client()
    token = csrf_from(attacker.get("/login"))
    statuses = [
        attempt(attacker, email, WRONG, f"203.0.113.{n}", token).status_code for n in range(6)
    ]
    assert statuses == [200] * 5 + [429]  # five addresses, one failure each: the account limit


def test_an_account_under_attack_refuses_unknown_devices_alike(app, account_limit, make_user):
    user = make_user()
    _flood(app, user.email)
    right = fresh_attempt(app, user.email, PASSWORD, "198.51.100.7")
    wrong = fresh_attempt(app, user.email, WRONG, "198.51.100.8")
    assert right.status_code == wrong.status_code == 429

    def error(response):
        return BeautifulSoup(response.data, "html.parser").find("p", id="password-error")

    assert error(right).get_text() == error(wrong).get_text()
    assert "以前にログインしたことのある端末" in error(right).get_text()


def test_a_known_device_passes_an_account_under_attack(app, account_limit, make_user):
    user = make_user()
    own_browser = app.test_client()
    assert fresh_attempt(app, user.email, PASSWORD, "198.51.100.7", own_browser).status_code == 302
    own_browser.delete_cookie("session")  # the session ends; the device cookie stays

    _flood(app, user.email)
    response = fresh_attempt(app, user.email, WRONG, "198.51.100.99", own_browser)
    assert response.status_code == 429  # the cookie does not help a wrong password
    response = fresh_attempt(app, user.email, PASSWORD, "198.51.100.99", own_browser)
    assert response.status_code == 302


def test_a_forged_device_cookie_does_not_pass(app, account_limit, make_user):
    user = make_user()
    _flood(app, user.email)
    browser = app.test_client()
    browser.set_cookie("known_device", f"[{user.id}]")
    page = browser.get("/login")
    assert (
        attempt(browser, user.email, PASSWORD, "198.51.100.7", csrf_from(page)).status_code == 429
    )


def test_an_account_with_a_second_factor_goes_on_to_the_code(app, account_limit, make_user, db):
    user = make_user(role="advisor")
    user.totp_secret = pyotp.random_base32()
    db.session.commit()
    _flood(app, user.email)
    browser = app.test_client()
    page = browser.get("/login")
    response = attempt(browser, user.email, PASSWORD, "198.51.100.7", csrf_from(page))
    assert response.status_code == 302 and response.headers["Location"].endswith("/login/2fa")


def test_wrong_totp_codes_lock_the_code_step(app, make_user, db):
    user = make_user(role="advisor")
    secret = pyotp.random_base32()
    user.totp_secret = secret
    db.session.commit()
    browser = app.test_client()
    page = browser.get("/login")
    attempt(browser, user.email, PASSWORD, "198.51.100.7", csrf_from(page))
    wrong = "000000" if pyotp.TOTP(secret).now() != "000000" else "111111"
    statuses = []
    for _ in range(5):
        page = browser.get("/login/2fa")
        statuses.append(
            browser.post(
                "/login/2fa", data={"code": wrong, "csrf_token": csrf_from(page)}
            ).status_code
        )
    assert statuses == [400] * 5
    # Even the right code now waits; a new pending login from elsewhere does not reset it.
    other = app.test_client()
    page = other.get("/login")
    attempt(other, user.email, PASSWORD, "198.51.100.8", csrf_from(page))
    page = other.get("/login/2fa")
    response = other.post(
        "/login/2fa", data={"code": pyotp.TOTP(secret).now(), "csrf_token": csrf_from(page)}
    )
    assert response.status_code == 429
