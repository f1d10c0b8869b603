"""SQLite settings for a web app: WAL, a busy timeout and enforced foreign keys.

Writers: WAL lets readers go on while one connection writes; a second writer waits up to
BUSY_TIMEOUT_MS for the lock. Python's sqlite3 module opens a transaction (BEGIN) only at the
first INSERT/UPDATE/DELETE, so every read-then-write service starts its transaction with a
write (services._lock_draft, submit's conditional UPDATE): it takes the write lock before it
reads, and a write after a read inside one transaction cannot fail with SQLITE_BUSY_SNAPSHOT
(which no busy timeout retries). tests/integration/test_live_server_faults.py runs 50
concurrent savers against a live server.
"""

import sqlite3

from sqlalchemy import event
from sqlalchemy.engine import Engine

BUSY_TIMEOUT_MS = 5000


@event.listens_for(Engine, "connect")
def _set_sqlite_pragmas(dbapi_connection, _record):
    if isinstance(dbapi_connection, sqlite3.Connection):
        cur = dbapi_connection.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_MS)}")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.close()
