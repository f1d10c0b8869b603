"""Backup and restore (issue 16): restored into a fresh database, every table equals the original
row by row.

- SQLite (suite on SQLite): `flask backup-sqlite DEST` with the online backup API, taken while
  another connection holds an uncommitted write (the copy has the committed state only), then
  `flask restore-sqlite` into a new empty database file;
- PostgreSQL (suite on TEST_DATABASE_URL): `pg_dump -Fc` of the suite's database and
  `pg_restore` into a scratch database. Skipped when pg_dump is not installed, except in CI.
"""

import os
import shutil
import sqlite3
import subprocess
import uuid

import pytest
from sqlalchemy import create_engine, inspect, select, text

from app import create_app
from app.extensions import db as _db
from app.models import AuditEvent
from tests.integration.member_helpers import draft_assessment, submitted_assessment


@pytest.fixture()
def populated(db, make_user, make_company, add_member):
    """Rows in most tables: users, companies, memberships, submitted scores (JSON), answers with
    Japanese text and NULLs, step states, audit events with timestamps."""
    owner = make_user(email="owner@example.jp", display_name="山田 太郎")
    editor = make_user(email="editor@example.jp")
    company = make_company(owner, name="復元テスト株式会社")
    add_member(company, editor, "editor")
    submitted_assessment(company, owner, year=2025, level=3)
    draft_assessment(company, owner, year=2026)
    other = make_company(make_user(email="other@example.jp"), name="別会社")
    submitted_assessment(other, owner, year=2025, level=1)
    db.session.commit()


def _tables(engine) -> list[str]:
    return sorted(inspect(engine).get_table_names())


def _rows(engine, table_name) -> list[tuple]:
    table = _db.metadata.tables.get(table_name)
    with engine.connect() as conn:
        if table is None:  # e.g. alembic_version
            return sorted(conn.execute(text(f'SELECT * FROM "{table_name}"')).all())  # noqa: S608
        order = list(table.primary_key.columns) or list(table.columns)
        return [tuple(r) for r in conn.execute(select(table).order_by(*order))]


def _assert_same_content(original, restored):
    tables = _tables(original)
    assert _tables(restored) == tables
    compared = 0
    for name in tables:
        rows = _rows(original, name)
        assert _rows(restored, name) == rows, name
        compared += len(rows)
    assert compared > 50  # the fixture's rows were all there to compare


def test_sqlite_backup_while_writing_and_restore_into_a_fresh_database(
    app, db, populated, tmp_path
):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the SQLite backup command (on PostgreSQL see the pg_dump test)")
    runner = app.test_cli_runner()
    live = sqlite3.connect(db.engine.url.database, isolation_level=None)
    live.execute("BEGIN IMMEDIATE")  # a writer in the middle of a transaction
    live.execute(
        "INSERT INTO audit_events (event, details, at) "
        "VALUES ('uncommitted', '{}', '2026-01-01 00:00:00')"
    )
    try:
        backup = tmp_path / "dx-backup.sqlite3"
        result = runner.invoke(args=["backup-sqlite", str(backup)])
    finally:
        live.rollback()
        live.close()
    assert result.exit_code == 0, result.output
    assert result.output.startswith("backed up ")
    assert not (tmp_path / "dx-backup.sqlite3-wal").exists()  # one self-contained file

    again = runner.invoke(args=["backup-sqlite", str(backup)])
    assert again.exit_code == 1 and "exists; choose a new file name" in again.output

    fresh_url = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    fresh = create_app({"APP_ENV": "test", "SQLALCHEMY_DATABASE_URI": fresh_url})
    with fresh.app_context():  # the command acts on the current app: the fresh one here
        refused = fresh.test_cli_runner().invoke(args=["restore-sqlite", str(backup)])
        assert refused.exit_code == 2 and "--yes" in refused.output
        restored = fresh.test_cli_runner().invoke(args=["restore-sqlite", str(backup), "--yes"])
        assert restored.exit_code == 0, restored.output
        assert restored.output.startswith(f"restored {len(_db.metadata.tables)} tables")
        _db.engine.dispose()
    assert (tmp_path / "fresh.sqlite3").exists()

    restored_engine = create_engine(fresh_url)
    try:
        _assert_same_content(db.engine, restored_engine)
        with restored_engine.connect() as conn:
            events = conn.execute(select(AuditEvent.__table__.c.event)).scalars().all()
        assert "uncommitted" not in events
    finally:
        restored_engine.dispose()


def test_backup_sqlite_refuses_postgresql(app, monkeypatch):
    from app.backup import BackupError, backup_sqlite

    with pytest.raises(BackupError, match="pg_dump"):
        backup_sqlite("postgresql+psycopg://app@db/dx", "/tmp/never.sqlite3")  # noqa: S108


def test_postgres_dump_and_restore_into_a_scratch_database(db, populated, tmp_path):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("pg_dump/pg_restore need the suite on PostgreSQL (TEST_DATABASE_URL)")
    if shutil.which("pg_dump") is None or shutil.which("pg_restore") is None:
        if os.environ.get("CI"):
            pytest.fail("pg_dump and pg_restore are required in CI (postgresql-client)")
        pytest.skip("pg_dump/pg_restore not installed (apt-get install postgresql-client)")
    url = db.engine.url  # postgresql+psycopg
    scratch = f"{url.database}_restore_{uuid.uuid4().hex[:8]}"
    dump = tmp_path / "dx.dump"
    env = {**os.environ, "PGPASSWORD": url.password or ""}
    conninfo = ["-h", url.host or "127.0.0.1", "-p", str(url.port or 5432), "-U", url.username]
    subprocess.run(  # noqa: S603 - fixed arguments
        ["pg_dump", "-Fc", *conninfo, "-f", str(dump), url.database],  # noqa: S607
        check=True,
        env=env,
        capture_output=True,
    )
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{scratch}"'))
    restored_engine = create_engine(url.set(database=scratch))
    try:
        subprocess.run(  # noqa: S603 - fixed arguments
            ["pg_restore", "--no-owner", "--exit-on-error", *conninfo, "-d", scratch, str(dump)],  # noqa: S607
            check=True,
            env=env,
            capture_output=True,
        )
        _assert_same_content(db.engine, restored_engine)
    finally:
        restored_engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{scratch}"'))
        admin.dispose()
