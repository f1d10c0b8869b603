"""Backups of a SQLite database through SQLite's online backup API (`flask backup-sqlite`,
`flask restore-sqlite`).

A plain file copy of a live SQLite database is not a backup: with WAL, committed pages may
still sit in the -wal file, and a copy taken while a transaction commits can be torn. The
backup API copies a consistent snapshot page by page while the application keeps serving (a
writer committing meanwhile makes it start over, so it always ends with one committed state).
PostgreSQL is backed up with pg_dump / pg_restore (README, "Backup and restore").
"""

import os
import sqlite3
from pathlib import Path

from sqlalchemy.engine import make_url


class BackupError(Exception):
    pass


def sqlite_path(database_url: str) -> Path:
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        raise BackupError(
            "this command works on a SQLite file database; "
            "for PostgreSQL use pg_dump -Fc (README: Backup and restore)"
        )
    return Path(url.database)


def _copy(source: sqlite3.Connection, target: sqlite3.Connection) -> None:
    source.backup(target, pages=256)  # 256 pages at a time: writers are not held up for long
    target.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
    problem = target.execute("PRAGMA integrity_check").fetchone()[0]
    if problem != "ok":
        raise BackupError(f"integrity check of the copy failed: {problem}")


def backup_sqlite(database_url: str, destination: str) -> dict[str, int]:
    """Copy the live database to ``destination`` (a new file); rows per table of the copy."""
    source_path = sqlite_path(database_url)
    if not source_path.exists():
        raise BackupError(f"no database at {source_path}")
    dest = Path(destination)
    if dest.exists():
        raise BackupError(f"{dest} exists; choose a new file name")
    partial = dest.with_name(dest.name + ".partial")
    partial.unlink(missing_ok=True)
    source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True)
    target = sqlite3.connect(partial)
    try:
        _copy(source, target)
        counts = table_counts(target)
    finally:
        target.close()
        source.close()
    os.replace(partial, dest)  # the backup appears only when complete
    return counts


def restore_sqlite(backup_file: str, database_url: str) -> dict[str, int]:
    """Replace the configured database's content with ``backup_file`` (workers stopped)."""
    source_path = Path(backup_file)
    if not source_path.is_file():
        raise BackupError(f"no backup file at {source_path}")
    source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True)
    target = sqlite3.connect(sqlite_path(database_url))
    try:
        source.backup(target)  # through SQLite: its own -wal and -shm stay consistent
        problem = target.execute("PRAGMA integrity_check").fetchone()[0]
        if problem != "ok":
            raise BackupError(f"integrity check after the restore failed: {problem}")
        return table_counts(target)
    finally:
        target.close()
        source.close()


def table_counts(con: sqlite3.Connection) -> dict[str, int]:
    names = [
        row[0]
        for row in con.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name"
        )
    ]
    return {n: con.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names}  # noqa: S608
