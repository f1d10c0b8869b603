"""The Alembic migrations build exactly the schema the models describe, on the test database
(SQLite locally, PostgreSQL in CI), and downgrade cleanly."""

import os

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text

from app import create_app
from app.extensions import db


@pytest.fixture()
def migration_app(tmp_path):
    url = os.environ.get("TEST_DATABASE_URL")
    schema = None
    if url and url.startswith("postgres"):
        # A separate schema on the CI database, so migrations start from nothing.
        schema = "migration_check"
        from app.config import normalise_database_url

        engine = create_engine(normalise_database_url(url))
        with engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            conn.execute(text(f"CREATE SCHEMA {schema}"))
        engine.dispose()
        options = {"connect_args": {"options": f"-csearch_path={schema}"}}
        app = create_app(
            {
                "APP_ENV": "test",
                "SQLALCHEMY_DATABASE_URI": url,
                "SQLALCHEMY_ENGINE_OPTIONS": options,
            }
        )
    else:
        app = create_app(
            {
                "APP_ENV": "test",
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'migrations.sqlite3'}",
            }
        )
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()
    if schema:
        engine = create_engine(normalise_database_url(url))
        with engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        engine.dispose()


def test_upgrade_from_empty_matches_models(migration_app):
    upgrade()
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
    assert diff == [], f"models and migrations drift: {diff}"


def test_downgrade_to_base_removes_every_table(migration_app):
    upgrade()
    downgrade(revision="base")
    tables = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
    assert tables == set()
