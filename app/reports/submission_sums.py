"""Submitted assessments' packed sums of levels (SubmissionPartSums), kept at submit time.

Why: a release build needs, for every submitted assessment of its fiscal year and the year
before, the sums of its levels per part of the index (app/reports/part_sums.py). Aggregating
the answer rows for that (~7 M at 100k companies) was 2.4-4 s of every build. Now the submit
transaction writes the assessment's row (``store``: its ~35 answers summed in Python, one
statement), and a build reads one row per assessment.

A row is trusted only for the submission it was written for. A submitted assessment's answers
cannot change without a reopen, and every submit and reopen moves the assessment's version
counter (app/assessments/services.py). So a row whose ``submission`` is not the assessment's
version now, or whose layout is not its index's packing now, is stale. Each build first runs
``refresh``: it computes stale and missing rows from the answers, in the database, and stores
them. That covers assessments submitted before the table existed and any path that did not
write a row; a build never reads sums that disagree with the answers.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, exists, func, literal, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.extensions import db
from app.models import Assessment, SubmissionPartSums
from app.reports.packing import ALL_ANSWERS, PACKED, Packing, packed_sums_query
from app.reports.panel_figures import parts
from questionnaires import load_index

_TABLE = SubmissionPartSums.__table__
_SUMS = ALL_ANSWERS + PACKED


def _insert():
    dialect = db.session.get_bind().dialect.name
    return (postgresql_insert if dialect == "postgresql" else sqlite_insert)(_TABLE)


_UPSERTS: dict[str, object] = {}  # dialect -> the statement, built once (submit runs it often)
_PACKINGS: dict[tuple, tuple[Packing, str] | None] = {}  # the index's parts -> packing, layout


def _upsert():
    dialect = db.session.get_bind().dialect.name
    if dialect not in _UPSERTS:
        statement = _insert()
        _UPSERTS[dialect] = statement.on_conflict_do_update(
            index_elements=["assessment_id"],
            set_={
                c.name: statement.excluded[c.name] for c in _TABLE.c if c.name != "assessment_id"
            },
        )
    return _UPSERTS[dialect]


def _packing(index) -> tuple[Packing, str] | None:
    the_parts = parts(index)
    key = (index.version_id, tuple(the_parts.items()))
    if key not in _PACKINGS:
        packing = Packing.of(the_parts)
        _PACKINGS[key] = None if packing is None else (packing, packing.layout(index.version_id))
    return _PACKINGS[key]


def store(assessment_id: int, submission: int, index, levels: Iterable[tuple]) -> None:
    """Write (or replace) the row of a submission in the caller's transaction; ``levels``:
    every answer row of the assessment as (item id, current level, target level). Nothing for
    an index too wide to pack (its builds sum the answers part by part)."""
    found = _packing(index)
    if found is None:
        return
    packing, layout = found
    row = {"assessment_id": assessment_id, "submission": submission, "layout": layout}
    db.session.execute(_upsert(), row | packing.packed(levels))


def valid(layout: str):
    """The condition (on Assessment) that its stored row describes its current submission."""
    t = _TABLE.c
    return exists().where(
        t.assessment_id == Assessment.id,
        t.submission == Assessment.version,
        t.layout == layout,
    )


def refresh(packing: Packing, layout: str, *periods) -> None:
    """Make the row of every assessment matching ``periods`` (submitted ones) current: stale
    rows are dropped, and rows missing then are computed from the answers and stored. A row a
    concurrent submit writes meanwhile wins (it describes the newer submission)."""
    t = _TABLE.c
    stale = select(Assessment.id).where(*periods, ~valid(layout))
    db.session.execute(delete(_TABLE).where(t.assessment_id.in_(stale)))
    computed = packed_sums_query(packing, *periods, ~valid(layout)).subquery("computed")
    rows = select(
        computed.c.assessment_id,
        Assessment.version,
        literal(layout),
        *(computed.c[name] for name in _SUMS),
    ).join(Assessment, Assessment.id == computed.c.assessment_id)
    rows = rows.where(*periods)  # (also: SQLite reads ON CONFLICT after a join's ON otherwise)
    columns = ["assessment_id", "submission", "layout", *_SUMS]
    db.session.execute(
        _insert()
        .from_select(columns, rows)
        .on_conflict_do_nothing(index_elements=["assessment_id"])
    )


def rebuild() -> int:
    """Make the row of every submitted assessment current (`flask reports rebuild-sums`, e.g.
    right after the upgrade that added the table, so that the next release build need not
    compute them); returns the number of current rows. The caller commits."""
    versions = db.session.scalars(
        select(Assessment.index_version).distinct().where(Assessment.status == "submitted")
    ).all()
    current = 0
    for version in sorted(versions):
        found = _packing(load_index(version))
        if found is None:
            continue
        packing, layout = found
        periods = (Assessment.status == "submitted", Assessment.index_version == version)
        refresh(packing, layout, *periods)
        current += db.session.scalar(
            select(func.count()).select_from(Assessment).where(*periods, valid(layout))
        )
    return current


def check() -> tuple[int, list[int]]:
    """Compare every current row with its sums computed from the answers now (`flask reports
    check-sums`): (rows compared, assessment ids whose row differs). Stale rows are left out:
    no build reads them."""
    versions = db.session.scalars(
        select(Assessment.index_version)
        .distinct()
        .join(_TABLE, _TABLE.c.assessment_id == Assessment.id)
    ).all()
    compared, differing = 0, []
    for version in sorted(versions):
        found = _packing(load_index(version))
        if found is None:
            continue
        packing, layout = found
        current = (
            Assessment.status == "submitted",
            Assessment.index_version == version,
            valid(layout),
        )
        live = packed_sums_query(packing, *current).subquery("live")
        t = _TABLE.c
        query = select(t.assessment_id, *(t[name] != live.c[name] for name in _SUMS)).join(
            live, live.c.assessment_id == t.assessment_id
        )
        for assessment_id, *different in db.session.execute(query):
            compared += 1
            if any(different):
                differing.append(assessment_id)
    return compared, sorted(differing)
