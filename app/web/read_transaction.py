"""A request that only read ends its transaction with COMMIT instead of ROLLBACK.

Both are one round trip and both end a read-only transaction the same way. The difference is
in psycopg: a ROLLBACK makes it drop every server-side prepared statement of the connection
(psycopg/_preparing.py), so with a ROLLBACK after each page no statement ever stayed prepared,
and PostgreSQL parsed and planned each of a page's statements again on every request: about
half a millisecond of server time per statement for the pages' joins and subqueries (issue 16,
bench/README.md "Prepared statements"). After a COMMIT they stay prepared (psycopg prepares a
statement after its fifth run on a connection, PostgreSQL then keeps a generic plan).

PostgreSQL only (SQLite keeps no server-side plans). Only a transaction that ran nothing but
SELECT statements is committed, and only for a GET or HEAD that answered below 400 with its
body built: anything else (a write, a failed request, an error page, a streamed download) is
rolled back as before, when the session is removed.
"""

from flask import request
from sqlalchemy import event

from app.extensions import db

READ_METHODS = frozenset({"GET", "HEAD"})
WROTE = "dx_transaction_wrote"  # key in the connection's info, for this transaction only


def _note_writes(conn, _cursor, statement, _parameters, _context, _executemany):
    # Anything but a plain SELECT (INSERT, UPDATE, a WITH that may modify, DDL) is a write.
    if statement.lstrip()[:6].upper() != "SELECT":
        conn.info[WROTE] = True


def _new_transaction(conn):
    conn.info.pop(WROTE, None)


def _commit_read_transaction(response):
    session = db.session()  # this request's Session, not the scoped proxy
    if (
        request.method in READ_METHODS
        and response.status_code < 400
        and not response.is_streamed
        and session.in_transaction()
        and not (session.new or session.dirty or session.deleted)
        and not session.connection().info.get(WROTE)
    ):
        session.expire_on_commit = False  # the session ends with the request: nothing reloads
        session.commit()
    return response


def init_app(app) -> None:
    """Must be registered before every other after_request hook: Flask runs them in reverse
    order, so this one runs last, and no hook's query can open a new transaction after the
    COMMIT (it would end with a ROLLBACK again)."""
    with app.app_context():
        engine = db.engine  # the app's own engine (not the bench baselines' or another app's)
    if engine.dialect.name != "postgresql":
        return  # SQLite keeps no server-side plans to lose: the COMMIT would only cost time
    event.listen(engine, "before_cursor_execute", _note_writes)
    event.listen(engine, "begin", _new_transaction)
    app.after_request(_commit_read_transaction)
