"""Production start-up refuses unsafe settings, each with a message naming the setting
(issue 9, findings 5, 6 and 12)."""

import pytest

from app import create_app
from app.config import DEV_SECRET, ConfigError


def test_the_production_fixture_starts(production_env):
    app = create_app({"APP_ENV": "production"})
    assert app.config["APP_ENV"] == "production"
    assert app.config["RATELIMIT_STORAGE_URI"].startswith("redis://")
    assert app.config["TWO_FACTOR_REQUIRED_ROLES"] == ("admin", "bureau")


@pytest.mark.parametrize("secret", [DEV_SECRET, "x", "short-but-random-9f", "a" * 64, "abab" * 16])
def test_production_refuses_a_default_short_or_simple_secret_key(production_env, secret):
    production_env.setenv("SECRET_KEY", secret)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app({"APP_ENV": "production"})


@pytest.mark.parametrize("flag", ["1", "true"])
def test_production_refuses_flask_debug(production_env, flag):
    production_env.setenv("FLASK_DEBUG", flag)
    with pytest.raises(ConfigError, match="FLASK_DEBUG"):
        create_app({"APP_ENV": "production"})


@pytest.mark.parametrize("value", ["Production", "prod", "PRODUCTION", "staging", " production"])
def test_unknown_app_env_is_an_error(production_env, value):
    production_env.setenv("APP_ENV", value)
    with pytest.raises(ConfigError, match="APP_ENV"):
        create_app()


@pytest.mark.parametrize(
    "url", ["https://", "https:///path", "https://:443", "https://dx.example.jp:x", "ftp://dx.jp"]
)
def test_production_refuses_a_public_base_url_without_a_host(production_env, url):
    production_env.setenv("PUBLIC_BASE_URL", url)
    with pytest.raises(ConfigError, match="PUBLIC_BASE_URL"):
        create_app({"APP_ENV": "production"})


@pytest.mark.parametrize("url", [None, "memory://"])
def test_production_refuses_limiter_storage_that_is_not_shared(production_env, url):
    # In-memory counters are per gunicorn worker, so every limit would multiply by the workers.
    production_env.delenv("REDIS_URL")
    if url:
        production_env.setenv("REDIS_URL", url)
    with pytest.raises(ConfigError, match="REDIS_URL"):
        create_app({"APP_ENV": "production"})


@pytest.mark.parametrize("key", [None, "not-a-fernet-key"])
def test_production_requires_a_totp_encryption_key(production_env, key):
    production_env.delenv("TOTP_ENCRYPTION_KEY")
    if key:
        production_env.setenv("TOTP_ENCRYPTION_KEY", key)
    with pytest.raises(ConfigError, match="TOTP_ENCRYPTION_KEY"):
        create_app({"APP_ENV": "production"})


def test_development_still_starts_with_none_of_these(monkeypatch, tmp_path):
    # `make run` sets nothing: the production-only requirements must not get in its way.
    for name in ("SECRET_KEY", "REDIS_URL", "TOTP_ENCRYPTION_KEY", "PUBLIC_BASE_URL", "APP_ENV"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("FLASK_DEBUG", "1")
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/dev.sqlite3"})
    assert app.config["APP_ENV"] == "development"
    assert app.config["TWO_FACTOR_REQUIRED_ROLES"] == ()
