"""Storing many rows of a release build at once: PostgreSQL's COPY where the database is one.

An executemany INSERT of the 100,000 members of a release at 100k companies spent ~1.8 s of
Python CPU building SQLAlchemy's parameter sets, against ~0.4 s for psycopg's COPY of the same
rows (bench/README.md, "Release build: positions at read time"). SQLite has no COPY: there the
rows go through an executemany INSERT, as before. Both write the same values: JSON columns as
json.dumps text, as SQLAlchemy's JSON type does.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import lru_cache

from sqlalchemy import JSON, Table, insert

from app.extensions import db


def insert_rows(table: Table, columns: Sequence[str], rows: Sequence[Sequence]) -> None:
    """Insert ``rows`` (tuples in the order of ``columns``) into ``table`` in the session's
    transaction."""
    if not rows:
        return
    if db.session.get_bind().dialect.name == "postgresql":
        _copy(table, columns, rows)
    else:
        db.session.execute(insert(table), [dict(zip(columns, row, strict=True)) for row in rows])


def _copy(table: Table, columns: Sequence[str], rows: Sequence[Sequence]) -> None:
    from psycopg import sql  # here: a SQLite deployment's workers never load psycopg

    as_json = [isinstance(table.c[name].type, JSON) for name in columns]
    json_anywhere = any(as_json)
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table.name), sql.SQL(", ").join(map(sql.Identifier, columns))
    )
    connection = db.session.connection().connection.driver_connection
    with connection.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            if json_anywhere:
                # None too: SQLAlchemy's JSON type stores it as JSON null, not SQL NULL
                row = [_json_text(v) if j else v for v, j in zip(row, as_json, strict=True)]
            copy.write_row(row)


def _json_text(value) -> str:
    """json.dumps(value); a tuple of numbers (a member's means) is joined from its numbers'
    texts, each made once (a release at national scale writes ~13 M means, a few hundred
    distinct ones)."""
    if type(value) is tuple:
        return "[" + ", ".join([_number_text(v) for v in value]) + "]"
    return json.dumps(value)


@lru_cache(maxsize=4096, typed=True)  # typed: 1 and 1.0 are written apart
def _number_text(value) -> str:
    return json.dumps(value)
