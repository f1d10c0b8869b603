"""Shared fixtures. The database is real: SQLite by default, PostgreSQL when TEST_DATABASE_URL
points at one (CI runs the suite both ways)."""

import os
import re
import tempfile

import pytest
from flask.testing import FlaskClient
from limits.storage import MemoryStorage
from sqlalchemy import text

from app import create_app
from app.extensions import db as _db
from app.extensions import limiter
from tests.catalogues import compile_catalogues
from tests.pages import PASSWORD, ClientRequest

__all__ = ["PASSWORD"]  # tests import it from here


def _database_url() -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    path = os.path.join(tempfile.mkdtemp(prefix="dx-test-"), "test.sqlite3")
    return "sqlite:///" + path


class FreshContextClient(FlaskClient):
    """Runs each request in its own app context, as a server does. The test body keeps a
    context of its own for database checks; without this, requests would share its `g`."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture(scope="session", autouse=True)
def compiled_catalogues():
    """The .mo files are not committed; English pages need them (make compiles them too)."""
    compile_catalogues()


@pytest.fixture(scope="session")
def app():
    app = create_app(
        {
            "APP_ENV": "test",
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": _database_url(),
            "RATELIMIT_STORAGE_URI": "memory://",
        }
    )
    from app.config import normalise_database_url

    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(
        app.config["SQLALCHEMY_DATABASE_URI"]
    )
    app.test_client_class = FreshContextClient
    with app.app_context():
        _db.drop_all()
        _db.create_all()
    yield app
    with app.app_context():
        _db.session.remove()
        _db.drop_all()
        _db.engine.dispose()


@pytest.fixture(autouse=True)
def _clean_database(app):
    """Every test starts with empty tables and fresh rate limits."""
    ctx = app.app_context()
    ctx.push()
    yield
    _db.session.rollback()
    _db.session.remove()
    tables = [t.name for t in reversed(_db.metadata.sorted_tables)]
    with _db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(
                text(
                    "TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"
                )
            )
        else:
            for t in tables:
                conn.execute(text(f'DELETE FROM "{t}"'))  # noqa: S608 - table names from metadata
    if not isinstance(limiter.storage, MemoryStorage):
        # Flask-Limiter keeps one storage for every app: a test that built a production app
        # (REDIS_URL) left the shared limiter on Redis, where a test run beside this one
        # counted and reset the same keys. Back to this session app's own storage.
        limiter.init_app(app)
    limiter.reset()
    ctx.pop()


# A start-up that production accepts; each config test takes one piece away or spoils it.
PRODUCTION_ENV = {
    "SECRET_KEY": "kJ3v9QmT2xLw8RbN5pZc7YfH4sGd6AeU1oWiXt0VnMq",
    "PUBLIC_BASE_URL": "https://dx.example.jp",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "TOTP_ENCRYPTION_KEY": "dGhpcy1pcy1hLXRlc3Qta2V5LW9mLTMyLWJ5dGVzISE=",
}


@pytest.fixture()
def production_env(monkeypatch):
    """What a production start needs (never connects to Redis: limits are checked lazily)."""
    for name, value in PRODUCTION_ENV.items():
        monkeypatch.setenv(name, value)
    for name in ("FLASK_DEBUG", "MAIL_BACKEND", "RATELIMIT_STORAGE_URI"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


@pytest.fixture()
def db(app):
    return _db


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture()
def client_request(app, client):
    """Requests by endpoint name through `client`, returning parsed pages (tests/pages.py)."""
    return ClientRequest(app, client)


_TOKEN = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def csrf_from(response) -> str:
    match = _TOKEN.search(response.get_data(as_text=True))
    assert match, "page has no CSRF token"
    return match.group(1)


@pytest.fixture()
def make_user(db):
    from app.auth.users import create_user

    counter = {"n": 0}

    def make(role="member", email=None, password=PASSWORD, **kwargs):
        counter["n"] += 1
        user = create_user(email or f"user{counter['n']}@example.jp", password, role=role, **kwargs)
        db.session.commit()
        return user

    return make


@pytest.fixture()
def make_company(db):
    from app.models import Company, Membership

    def make(owner=None, name="テスト株式会社", prefecture="13", **kwargs):
        company = Company(
            name=name,
            prefecture_code=prefecture,
            jsic_division=kwargs.pop("jsic", "E"),
            sme_sector=kwargs.pop("sector", "manufacturing_and_other"),
            is_sole_proprietor=True,
            fiscal_year_start_month=4,
            **kwargs,
        )
        db.session.add(company)
        if owner is not None:
            db.session.add(Membership(company=company, user_id=owner.id, role="owner"))
        db.session.commit()
        return company

    return make


@pytest.fixture()
def add_member(db):
    from app.models import Membership

    def add(company, user, role):
        db.session.add(Membership(company_id=company.id, user_id=user.id, role=role))
        db.session.commit()

    return add


@pytest.fixture()
def login(client):
    def do_login(email, password=PASSWORD, c=None):
        c = c or client
        page = c.get("/login")
        response = c.post(
            "/login", data={"email": email, "password": password, "csrf_token": csrf_from(page)}
        )
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return c

    return do_login


@pytest.fixture()
def owner_with_assessment(make_user, make_company, login, db):
    """An owner logged in through `client`, with a company and this year's draft assessment."""
    from app.assessments import services
    from questionnaires import DEFAULT_VERSION

    owner = make_user(email="owner@example.jp")
    company = make_company(owner)
    assessment = services.start_assessment(
        company, 2026, owner, prefill=False, index_version=DEFAULT_VERSION
    )
    login(owner.email)
    return owner, company, assessment
