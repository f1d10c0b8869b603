"""Configuration read from the environment. See the README's table of variables."""

import os
from datetime import timedelta
from urllib.parse import urlsplit

from flask.helpers import get_debug_flag

from questionnaires import DEFAULT_VERSION

DEV_SECRET = "dev-only-not-secret"  # noqa: S105 - only ever used with APP_ENV=development/test
APP_ENVS = ("development", "test", "production")
MIN_SECRET_LENGTH = 32
MIN_SECRET_DISTINCT = 10  # "aaaa…" or "abab…" is long but guessable
PROJECT_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REDIS_SCHEMES = ("redis://", "rediss://", "redis+sentinel://", "redis+cluster://", "redis+unix://")


class ConfigError(RuntimeError):
    """Raised at start-up when the configuration is unsafe or incomplete."""


def _default_sqlite_url(instance_path: str) -> str:
    return "sqlite:///" + os.path.join(instance_path, "dx.sqlite3")


def normalise_database_url(url: str) -> str:
    # Plain postgresql:// URLs would pick psycopg2; this project ships psycopg 3.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def build_config(instance_path: str, overrides: dict | None = None) -> dict:
    env = os.environ
    app_env = (overrides or {}).get("APP_ENV") or env.get("APP_ENV", "development")
    if app_env not in APP_ENVS:
        # "Production" or "prod" must not silently run with development settings.
        raise ConfigError(f"APP_ENV must be one of {', '.join(APP_ENVS)} (got {app_env!r})")
    production = app_env == "production"
    secret = env.get("SECRET_KEY")
    if not secret:
        if production:
            raise ConfigError("SECRET_KEY must be set when APP_ENV=production")
        secret = DEV_SECRET
    redis_url = env.get("REDIS_URL")
    cfg = {
        "APP_ENV": app_env,
        "SECRET_KEY": secret,
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(
            env.get("DATABASE_URL") or _default_sqlite_url(instance_path)
        ),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        # CSRF tokens are tied to the session instead of expiring after an hour, so a user
        # who spends a long time on one step does not lose it (see the design notes).
        "WTF_CSRF_TIME_LIMIT": None,
        "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "SESSION_COOKIE_NAME": "__Host-session" if production else "session",
        "REMEMBER_COOKIE_DURATION": timedelta(seconds=0),
        # Absolute session lifetime; the idle timeout is enforced in auth/session.py.
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=12),
        # The cookie is re-sent only when the session changes, at least once a minute of
        # activity (auth/session.py mark_active), not on every request.
        "SESSION_REFRESH_EACH_REQUEST": False,
        "SESSION_IDLE_SECONDS": int(env.get("SESSION_IDLE_SECONDS", 30 * 60)),
        "SESSION_WARNING_SECONDS": int(env.get("SESSION_WARNING_SECONDS", 2 * 60)),
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        # Lets several deployments (or test runs) share one Redis without sharing counters.
        "RATELIMIT_KEY_PREFIX": env.get("RATELIMIT_KEY_PREFIX", "dx"),
        # A moving window counts the last 15 minutes at every attempt. The default fixed window
        # restarts at every quarter hour of the clock, so a guesser got 2 x the limit across a
        # boundary (and a test that crossed one saw its 11th attempt let through).
        "RATELIMIT_STRATEGY": "moving-window",
        # Off: with headers on, Flask-Limiter sets Retry-After on every response of a limited
        # route to max(the response's own, its window's reset), so a 503's "retry in 10 s" became
        # "in an hour". Retry-After is written by app/web/errors.py, on 429 and 503 only.
        "RATELIMIT_HEADERS_ENABLED": False,
        # Throttles in flask-limiter's notation; see the README's table for what each covers.
        "LOGIN_LIMITS": env.get("LOGIN_LIMITS", "10 per 15 minutes"),
        "LOGIN_IP_LIMITS": env.get("LOGIN_IP_LIMITS", "100 per hour"),
        "LOGIN_ACCOUNT_LIMITS": env.get("LOGIN_ACCOUNT_LIMITS", "50 per hour; 200 per day"),
        # Wrong TOTP codes per account before the code step locks (6-digit codes, 3 valid at a
        # time: 20 a day is about 0.2% a month for a guesser who knows the password).
        "TOTP_LIMITS": env.get("TOTP_LIMITS", "5 per 15 minutes; 20 per day"),
        "INVITE_LIMITS": env.get("INVITE_LIMITS", "20 per hour"),
        "GRANT_LIMITS": env.get("GRANT_LIMITS", "30 per hour"),
        "COMPANY_FORM_LIMITS": env.get("COMPANY_FORM_LIMITS", "30 per hour"),
        "REPORT_EXPORT_LIMITS": env.get("REPORT_EXPORT_LIMITS", "60 per hour"),
        # Rendered bureau reports kept per worker process (app/reports/cache.py); 0 = off.
        "REPORT_CACHE_BYTES": int(env.get("REPORT_CACHE_BYTES", str(32 * 2**20))),
        # Client-list rows drawn once per worker process (app/advisors/cache.py); 0 = off.
        "ADVISOR_ROW_CACHE_ROWS": int(env.get("ADVISOR_ROW_CACHE_ROWS", "5000")),
        # Client-list frames (the page around the rows) per worker process; 0 = off.
        "ADVISOR_FRAME_CACHE_SIZE": int(env.get("ADVISOR_FRAME_CACHE_SIZE", "500")),
        # Results and progress page parts drawn once per submitted version, per worker process
        # (app/assessments/cache.py, app/progress/cache.py); 0 = off.
        "RESULTS_CACHE_SIZE": int(env.get("RESULTS_CACHE_SIZE", "256")),
        "PROGRESS_CACHE_SIZE": int(env.get("PROGRESS_CACHE_SIZE", "64")),
        # ... and bounded in bytes too (each of the progress page's two stores by its own), so
        # that companies with many years or items cannot grow a worker past its budget.
        "RESULTS_CACHE_BYTES": int(env.get("RESULTS_CACHE_BYTES", str(4 * 2**20))),
        "PROGRESS_CACHE_BYTES": int(env.get("PROGRESS_CACHE_BYTES", str(2 * 2**20))),
        # Translated literal texts of the templates kept per language and worker process
        # (app/web/locale_cache.py; the templates hold about 1,200).
        "TEMPLATE_TEXT_CACHE_SIZE": int(env.get("TEMPLATE_TEXT_CACHE_SIZE", "4096")),
        # Indicators' statuses and progress charts kept per worker process (app/kpis/cache.py).
        "KPI_CHART_CACHE_SIZE": int(env.get("KPI_CHART_CACHE_SIZE", "1024")),
        # Assessment pages' sidebars kept per worker, one per state (app/assessments/cache.py).
        "ASSESSMENT_SIDEBAR_CACHE_SIZE": int(env.get("ASSESSMENT_SIDEBAR_CACHE_SIZE", "1024")),
        # Review pages' answers tables kept per worker, one per step and state of its answers
        # (app/assessments/cache.py); 0 = off.
        "REVIEW_TABLE_CACHE_SIZE": int(env.get("REVIEW_TABLE_CACHE_SIZE", "256")),
        "REVIEW_TABLE_CACHE_BYTES": int(env.get("REVIEW_TABLE_CACHE_BYTES", str(4 * 2**20))),
        # PDFs rendered per account (each takes a second or more of a worker's CPU).
        "PDF_LIMITS": env.get("PDF_LIMITS", "30 per hour"),
        "API_TOKEN_LIMITS": env.get("API_TOKEN_LIMITS", "300 per minute; 10000 per day"),
        "API_IP_LIMITS": env.get("API_IP_LIMITS", "1200 per minute"),
        # The index version new assessments and KPI catalogues use.
        "INDEX_VERSION": env.get("INDEX_VERSION", DEFAULT_VERSION),
        "BABEL_DEFAULT_LOCALE": "ja",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Tokyo",
        # One catalogue per source tree, same domain: Flask-Babel merges them. Absolute, because
        # Flask-Babel resolves relative ones against the app package, not the project root.
        "BABEL_TRANSLATION_DIRECTORIES": ";".join(
            os.path.join(PROJECT_ROOT, "translations", part) for part in ("templates", "python")
        ),
        "MAIL_BACKEND": env.get("MAIL_BACKEND", "smtp" if production else "log"),
        # Mails whose sending must not show in the response time (password reset, sign-up:
        # a known address must not answer slower than an unknown one) go through a background
        # thread. Off by default outside production, so the outbox is filled at once.
        "MAIL_ASYNC": env.get("MAIL_ASYNC", "1" if production else "0") == "1",
        "SMTP_HOST": env.get("SMTP_HOST", "localhost"),
        "SMTP_PORT": int(env.get("SMTP_PORT", 25)),
        "SMTP_USER": env.get("SMTP_USER"),
        "SMTP_PASSWORD": env.get("SMTP_PASSWORD"),
        "SMTP_STARTTLS": env.get("SMTP_STARTTLS", "1") == "1",
        "MAIL_FROM": env.get("MAIL_FROM", "no-reply@dx-suishin.invalid"),
        "HSTS": production,
        "TRUSTED_PROXY_HOPS": int(env.get("TRUSTED_PROXY_HOPS", 0)),
        # Fernet key(s) encrypting TOTP secrets at rest; comma-separated, the first encrypts
        # (rotation). Unset outside production: a key derived from SECRET_KEY is used.
        "TOTP_ENCRYPTION_KEY": env.get("TOTP_ENCRYPTION_KEY"),
        # Roles whose accounts must use 2FA unless an administrator changed it on the
        # security settings page (stored in the database, which then wins).
        "TWO_FACTOR_REQUIRED_ROLES": _roles(
            env.get("TWO_FACTOR_REQUIRED_ROLES", "admin,bureau" if production else "")
        ),
        # Origin used in links sent by e-mail (e.g. https://dx.example.jp), so a forged Host
        # header cannot point a password-reset link at another site.
        "PUBLIC_BASE_URL": env.get("PUBLIC_BASE_URL"),
        # End of the yearly submission period as MM-DD (e.g. 10-31), for `flask remind-drafts`.
        # No official date is in the reference material, so there is no default: the operator
        # sets it from IPA's announcement. Owners of a draft are reminded DRAFT_REMINDER_DAYS
        # before it.
        "SUBMISSION_DEADLINE": env.get("SUBMISSION_DEADLINE") or None,
        "DRAFT_REMINDER_DAYS": int(env.get("DRAFT_REMINDER_DAYS", 30)),
    }
    if overrides:
        cfg.update(overrides)
    if production:
        _check_production(cfg)
    return cfg


def _roles(value: str) -> tuple[str, ...]:
    from app.models.user import ROLES

    roles = tuple(r.strip() for r in value.split(",") if r.strip())
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        raise ConfigError(
            f"TWO_FACTOR_REQUIRED_ROLES has unknown roles {unknown}; known: {', '.join(ROLES)}"
        )
    return roles


def _check_fernet_keys(value: str) -> None:
    from cryptography.fernet import Fernet

    try:
        for key in value.split(","):
            Fernet(key.strip())
    except ValueError as exc:
        raise ConfigError(
            "TOTP_ENCRYPTION_KEY must be Fernet keys (32 url-safe base64-encoded bytes)"
        ) from exc


def _check_secret_key(secret: str) -> None:
    if secret == DEV_SECRET:
        raise ConfigError("SECRET_KEY is the public development default; set a random value")
    if len(secret) < MIN_SECRET_LENGTH or len(set(secret)) < MIN_SECRET_DISTINCT:
        raise ConfigError(
            f"SECRET_KEY is too short or too simple: use at least {MIN_SECRET_LENGTH} random "
            'characters, e.g. python -c "import secrets; print(secrets.token_urlsafe(48))"'
        )


def _is_https_origin(url: str | None) -> bool:
    try:
        parts = urlsplit(url or "")
        return parts.scheme == "https" and bool(parts.hostname) and parts.port != 0
    except ValueError:  # e.g. a port that is not a number
        return False


def _check_production(cfg: dict) -> None:
    """Each refusal names the setting, so the operator knows what to fix."""
    if cfg.get("DEBUG") or get_debug_flag():
        raise ConfigError("DEBUG (FLASK_DEBUG) must be off when APP_ENV=production")
    _check_secret_key(cfg["SECRET_KEY"])
    if not cfg.get("TOTP_ENCRYPTION_KEY"):
        raise ConfigError(
            "TOTP_ENCRYPTION_KEY must be set when APP_ENV=production (a Fernet key, see the "
            "README's production section)"
        )
    _check_fernet_keys(cfg["TOTP_ENCRYPTION_KEY"])
    if cfg["MAIL_BACKEND"] != "smtp":
        # The log backend keeps one-time links in memory and in the log, and delivers nothing.
        raise ConfigError("MAIL_BACKEND must be smtp when APP_ENV=production")
    if not _is_https_origin(cfg.get("PUBLIC_BASE_URL")):
        # Without it, reset and invitation links would be built from the request's Host header.
        raise ConfigError(
            "PUBLIC_BASE_URL must be an https:// origin with a host name when APP_ENV=production"
        )
    if not cfg["RATELIMIT_STORAGE_URI"].startswith(REDIS_SCHEMES):
        # In-memory counters are per worker process: 4 workers would allow 4 times every limit.
        raise ConfigError(
            "REDIS_URL must point at the Redis shared by all workers when APP_ENV=production"
        )
