"""Application factory."""

import logging
import os
import sys

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from app.config import build_config
from app.extensions import babel, csrf, db, limiter, login_manager

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _init_migrations(app: Flask) -> None:
    """Flask-Migrate gives the `flask db` commands and brings Alembic, Mako and Pygments: about
    9 MB in every process (bench/README.md, "Worker memory"). A gunicorn web worker never runs a
    migration, so under gunicorn it is not loaded; the flask command and the tests have it."""
    if "gunicorn" in sys.modules:
        return
    from flask_migrate import Migrate

    Migrate(app, db, directory=os.path.join(ROOT, "migrations"), render_as_batch=True)


def create_app(config: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=os.path.join(ROOT, "templates"),
    )
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.update(build_config(app.instance_path, config))
    if app.config["TRUSTED_PROXY_HOPS"]:
        # Only the configured number of proxies is trusted, so a spoofed X-Forwarded-For
        # cannot give a client a fresh rate-limit bucket.
        hops = app.config["TRUSTED_PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)

    db.init_app(app)
    from app.web import read_transaction

    read_transaction.init_app(app)  # first registered, so the last after_request hook to run
    _init_migrations(app)
    from app.web.locale import select_locale

    babel.init_app(app, locale_selector=select_locale)
    login_manager.init_app(app)
    limiter.init_app(app)

    # Under /api/ the user comes from the bearer token, never the session: settled first.
    from app.api import core as api_core
    from app.auth.session import init_session_handling
    from app.web import (
        input_guard,
        sqlite_pragmas,  # noqa: F401 - registers the SQLite connect hook
    )

    api_core.init_auth(app)
    # Raw input is checked first: the session and CSRF hooks below read the form.
    input_guard.init_app(app)

    # The idle-timeout check must run before CSRFProtect's own before_request hook, so that a
    # POST arriving after expiry is kept (stashed) instead of being rejected as a CSRF failure.
    init_session_handling(app)
    csrf.init_app(app)

    _register_blueprints(app)
    from app.auth import two_factor_policy

    two_factor_policy.init_app(app)  # after the session checks: who is signed in is settled
    from app.web import errors, locale, security_headers, template_helpers

    locale.init_app(app)  # after the session checks: `?lang=` is stored on the settled user
    errors.init_app(app)
    security_headers.init_app(app)
    template_helpers.init_app(app)
    from app.cli import register_cli

    register_cli(app)

    from app.indexes import citation
    from app.indexes.store import DatabaseVersions

    citation.init_app(app)
    from questionnaires import load_index, loader

    loader.use_stored_versions(DatabaseVersions())  # versions loaded with `flask index load`
    if app.config["INDEX_VERSION"] in loader.packaged_versions():
        load_index(app.config["INDEX_VERSION"])  # validate the index at start-up
    logging.getLogger(__name__).debug("app created (%s)", app.config["APP_ENV"])
    return app


def _register_blueprints(app: Flask) -> None:
    from app.admin.views import bp as admin_bp
    from app.advisors.views import bp as advisors_bp
    from app.api.token_views import bp as api_tokens_bp
    from app.assessments.views import bp as assessments_bp
    from app.auth.account_views import bp as account_bp
    from app.auth.views import bp as auth_bp
    from app.comments.views import bp as comments_bp
    from app.companies.views import bp as companies_bp
    from app.exchange.views import bp as exchange_bp
    from app.help.views import bp as help_bp
    from app.kpis.views import bp as kpis_bp
    from app.members.views import bp as members_bp
    from app.progress.views import bp as progress_bp
    from app.reports.views import bp as reports_bp
    from app.reviews.views import bp as reviews_bp
    from app.team.views import bp as team_bp
    from app.web.main import bp as main_bp

    for bp in (main_bp, auth_bp, companies_bp, assessments_bp, members_bp, advisors_bp):
        app.register_blueprint(bp)
    for bp in (account_bp, reports_bp, admin_bp):
        app.register_blueprint(bp)
    app.register_blueprint(kpis_bp)
    app.register_blueprint(comments_bp)
    app.register_blueprint(progress_bp)
    app.register_blueprint(help_bp)
    app.register_blueprint(reviews_bp)
    app.register_blueprint(exchange_bp)
    app.register_blueprint(api_tokens_bp)
    app.register_blueprint(team_bp)
    from app.api import core as api_core

    api_core.register(app)
