"""Per-item weights as a small relation to join answers with, for sums over parts of the index
(overall, a framework, a group, or a mapping's counted items) in one pass.

``sum(level * CASE item_id WHEN … END)`` per part makes the database compare the item id with
every WHEN of every part on each answer row (at 100k companies: 3.5 M rows x 13 parts x 4 sums);
joining the answers once with this relation (one row per item, one integer column per part) and
summing ``level * w<k>`` is integer arithmetic only.

``analyze``: fresh planner statistics for a table the build just filled.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy import case, func, literal, select, text, union_all

from app.extensions import db


def relation(tables: Sequence[Mapping[str, int]], name: str = "item_weights"):
    """One row per item that any table weighs: (item_id, w0, w1, ...), w<k> = tables[k]'s
    weight of the item (0 when absent)."""
    items = sorted({item for table in tables for item, weight in table.items() if weight})
    if not items:
        items = [""]
    rows = [
        select(
            literal(item).label("item_id"),
            *(literal(int(t.get(item, 0))).label(f"w{k}") for k, t in enumerate(tables)),
        )
        for item in items
    ]
    return literal_rows(rows, name)


def literal_rows(rows: Sequence, name: str):
    """A relation of literal rows (one SELECT each; UNION ALL needs two or more)."""
    return (union_all(*rows) if len(rows) > 1 else rows[0]).subquery(name)


def sum_count(column, weight):
    """(sum of column x weight, sum of weight where column is not NULL)."""
    return (
        func.coalesce(func.sum(column * weight), 0),
        func.coalesce(func.sum(case((column.is_not(None), weight), else_=0)), 0),
    )


def analyze(table: str, *columns: str) -> None:
    """ANALYZE a table the release build just filled (PostgreSQL; nothing elsewhere): without
    fresh statistics ~100k new members look like a few dozen rows to the planner, and their
    joins with the answers become nested loops, repeated per aggregate. ``columns``: only
    these columns' statistics (the row count is always taken); the others' cost time and no
    plan reads them (a 60-column table of sums: 0.4 s of a build's 0.5 s)."""
    if db.session.get_bind().dialect.name == "postgresql":
        listed = f" ({', '.join(columns)})" if columns else ""
        db.session.execute(text(f'ANALYZE "{table}"{listed}'))


BUILD_SETTINGS = (
    # sorts and hash aggregates over one row per member and measure stay in memory (the 4 MB
    # default spills them to disk)
    ("work_mem", "256MB"),
    # joins of those rows with small per-group tables: hash joins; the planner's merge join
    # sorted every joined row first (twice the time at 10k companies)
    ("enable_mergejoin", "off"),
    # a batch of one-off statements: compiling each with JIT costs more than it saves
    ("jit", "off"),
    # floats read back as text are exact (shortest round-trip digits from PostgreSQL 12 on, 17
    # digits before): the benchmark ranks are stored from them and later looked up by equality
    # with the members' means (app/reports/benchmarks.py), whatever a pooler set
    ("extra_float_digits", "3"),
    # per-member rows are read through server-side cursors (app/reports/build_context.streamed),
    # which the planner otherwise plans for the first 10 % of the rows (fast-start nested
    # loops); every row is read, so plan them as the plain queries they replaced
    ("cursor_tuple_fraction", "1.0"),
)


def tune_build() -> None:
    """Planner settings for the rest of the release build's transaction (PostgreSQL only)."""
    if db.session.get_bind().dialect.name == "postgresql":
        for name, value in BUILD_SETTINGS:
            db.session.execute(text(f"SET LOCAL {name} = '{value}'"))
