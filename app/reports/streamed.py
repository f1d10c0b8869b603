"""Reading per-member rows of a release build in batches, so that memory does not grow with the
number of companies.

A plain ``session.execute`` fetches the whole result before the first row is seen: psycopg's
client-side cursor holds it in libpq, then as Python rows, and the ORM's result lists them again.
At national scale (~1M members, rows of up to ~110 integers) that alone took gigabytes. Here the
rows come through a server-side cursor, STREAM_ROWS at a time (SQLite reads lazily anyway), and the
caller turns each into what it needs before the next batch is read. The build plans these
cursors as plain queries (``cursor_tuple_fraction``, app/reports/weights.py).
"""

from __future__ import annotations

from app.extensions import db

# rows per fetch: small enough to bound the memory (the panel's rows of ~110 integers: ~1.5 kB
# each as Python rows), large enough that the round trips cost nothing next to the rows (1M
# members: 500 fetches)
STREAM_ROWS = 2000


def streamed(query):
    """Execute ``query`` (plain columns, no ORM entities) on the session's connection, in its
    transaction; its rows, fetched STREAM_ROWS at a time. Core, not the ORM session: the ORM's
    row loading costs ~0.35 s more per 100k rows of ~45 columns and gives the same tuples."""
    connection = db.session.connection()
    return connection.execute(query.execution_options(yield_per=STREAM_ROWS))
