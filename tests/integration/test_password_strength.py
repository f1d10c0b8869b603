"""Weak passwords and look-alike addresses (issue 9, finding 9)."""

import pytest
from bs4 import BeautifulSoup
from flask_migrate import upgrade
from sqlalchemy import text

from app.auth.passwords import password_problems
from app.auth.users import UserError, create_user, find_user
from app.extensions import db as _db
from tests.conftest import PASSWORD, csrf_from
from tests.integration.test_migrations import migration_app  # noqa: F401 - fixture

WEAK = ["123456789012", "qwertyuiopas", "aaaaaaaaaaaa"]


@pytest.mark.parametrize("password", WEAK)
def test_patterned_passwords_are_refused(password):
    assert password_problems(password, ("someone@example.jp", "佐藤 花子"))


@pytest.mark.parametrize(
    "details",
    [
        ("someone@example.jp", "Yamada Taro"),  # the space no longer hides the name
        ("taro.yamada@example.jp", "山田 太郎"),
        ("t@example.jp", "山田 太郎", "Yamada Taro Shoji"),  # the company name counts too
    ],
)
def test_a_password_made_of_the_users_own_details_is_refused(details):
    assert password_problems("yamadataro2025", details)


def test_strong_passwords_still_pass():
    for password in (PASSWORD, "sakura-demo-passphrase", "Kumo-ga-nagareru-2026"):
        assert password_problems(password, ("yamada@example.jp", "Yamada Taro")) == []


def test_signup_form_shows_the_weak_password_error(client, db):
    page = client.get("/signup")
    response = client.post(
        "/signup",
        data={
            "display_name": "Yamada Taro",
            "email": "t@example.jp",
            "password": "yamadataro2025",
            "password_confirm": "yamadataro2025",
            "csrf_token": csrf_from(page),
        },
    )
    assert response.status_code == 200
    error = BeautifulSoup(response.data, "html.parser").find("p", id="password-error")
    assert error is not None and "推測" in error.get_text()
    assert find_user("t@example.jp") is None


def test_full_width_address_is_the_same_account(db, make_user):
    make_user(email="owner@demo.example")
    assert find_user("ｏｗｎｅｒ@ｄｅｍｏ．ｅｘａｍｐｌｅ").email == "owner@demo.example"
    with pytest.raises(UserError):
        create_user("ｏｗｎｅｒ@demo.example", PASSWORD)
    with pytest.raises(UserError):
        create_user("OWNER@Demo.Example", PASSWORD)


def test_full_width_address_logs_in(client, make_user, login):
    make_user(email="owner@demo.example")
    login("ｏｗｎｅｒ@demo.example")


def test_migration_normalises_stored_addresses(migration_app):  # noqa: F811 - fixture
    upgrade(revision="c9099c9f2994")
    with _db.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO users (email, password_hash, display_name, role, is_disabled,"
                " session_version, created_at) VALUES (:e, 'x', 'x', 'member', false, 1,"
                " CURRENT_TIMESTAMP)"
            ),
            {"e": "ＯＷＮＥＲ@Demo.Example"},
        )
    upgrade(revision="9b1e7a20c4d1")
    with _db.engine.connect() as conn:
        assert conn.execute(text("SELECT email FROM users")).scalar() == "owner@demo.example"
