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

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import delete, exists, func, literal, null, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.extensions import db
from app.models import Assessment, SubmissionPartSums
from app.reports.packing import (
    ALL_ANSWERS,
    LEVEL_COLUMNS,
    PACKED,
    ItemLevels,
    Packing,
    packed_sums_query,
)
from app.reports.panel_figures import parts
from questionnaires import load_index

_TABLE = SubmissionPartSums.__table__
_SUMS = ALL_ANSWERS + PACKED
_COMPARED = _SUMS + LEVEL_COLUMNS


@dataclass(frozen=True)
class Layout:
    """How an index's sums are packed into a row, and its fingerprint (stored with each row:
    a row packed otherwise, after a change of the index or of the rules, is stale, not wrong)."""

    packing: Packing
    item_levels: ItemLevels | None  # None: the index has too many items for the words
    fingerprint: str

    @classmethod
    def of(cls, index) -> Layout | None:
        """None for an index too wide to pack (its builds sum the answers part by part)."""
        packing = Packing.of(parts(index))
        if packing is None:
            return None
        item_levels = ItemLevels.of(index)
        text = repr(
            (
                index.version_id,
                packing.atoms,
                packing.level_shifts,
                packing.count_shifts,
                item_levels.items if item_levels else None,
            )
        )
        digest = hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()
        return cls(packing, item_levels, digest)

    def values(self, levels: list[tuple]) -> dict[str, int | None]:
        """The sums and words of one assessment's answer rows (item, current, target)."""
        words = self.item_levels.words(levels) if self.item_levels else {}
        return self.packing.packed(levels) | {name: words.get(name) for name in LEVEL_COLUMNS}


def _insert():
    dialect = db.session.get_bind().dialect.name
    return (postgresql_insert if dialect == "postgresql" else sqlite_insert)(_TABLE)


_UPSERTS: dict[str, object] = {}  # dialect -> the statement, built once (submit runs it often)
_LAYOUTS: dict[tuple, Layout | None] = {}  # an index's parts and items -> its layout


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


def _layout(index) -> Layout | None:
    """Layout.of, once per index (submit asks for it every time)."""
    key = (index.version_id, tuple(parts(index).items()), tuple(i.id for i in index.items))
    if key not in _LAYOUTS:
        _LAYOUTS[key] = Layout.of(index)
    return _LAYOUTS[key]


def store(assessment_id: int, submission: int, index, levels: Iterable[tuple]) -> None:
    """Write (or replace) the row of a submission in the caller's transaction; ``levels``:
    every answer row of the assessment as (item id, current level, target level). Nothing for
    an index too wide to pack (its builds sum the answers part by part)."""
    layout = _layout(index)
    if layout is None:
        return
    row = {"assessment_id": assessment_id, "submission": submission, "layout": layout.fingerprint}
    db.session.execute(_upsert(), row | layout.values(list(levels)))


def valid(fingerprint: str):
    """The condition (on Assessment) that its stored row describes its current submission."""
    t = _TABLE.c
    return exists().where(
        t.assessment_id == Assessment.id,
        t.submission == Assessment.version,
        t.layout == fingerprint,
    )


def refresh(layout: Layout, *periods) -> None:
    """Make the row of every assessment matching ``periods`` (submitted ones) current: stale
    rows are dropped, and rows missing then are computed from the answers and stored. A row a
    concurrent submit writes meanwhile wins (it describes the newer submission).

    The stale assessments are listed first and recomputed by id, _REFRESH_CHUNK at a time: as
    one anti-join inside the INSERT, the planner expected ~1 of them and joined every answer
    row with the items' literal relations by nested loops (1.7 s per 1,352 assessments at 100k
    companies, ~45 minutes for a national `rebuild-sums`)."""
    assert periods  # never every assessment at once (and SQLite needs the WHERE, see below)
    current = valid(layout.fingerprint)
    stale = db.session.scalars(select(Assessment.id).where(*periods, ~current)).all()
    # nothing to write: no row is locked, no write transaction begins
    for start in range(0, len(stale), _REFRESH_CHUNK):
        _recompute(layout, stale[start : start + _REFRESH_CHUNK], periods)


_REFRESH_CHUNK = 5000  # assessment ids per statement (SQLite allows 32,766 parameters)


def _recompute(layout: Layout, ids: list[int], periods) -> None:
    """Drop the rows of ``ids`` and store their sums computed from the answers (those still
    matching ``periods``)."""
    t = _TABLE.c
    db.session.execute(delete(_TABLE).where(t.assessment_id.in_(ids)))
    chosen = (*periods, Assessment.id.in_(ids))
    computed = packed_sums_query(layout.packing, layout.item_levels, *chosen)
    computed = computed.subquery("computed")
    words = [
        computed.c[name] if layout.item_levels else null().label(name) for name in LEVEL_COLUMNS
    ]
    rows = select(
        computed.c.assessment_id,
        Assessment.version,
        literal(layout.fingerprint),
        *(computed.c[name] for name in _SUMS),
        *words,
    ).join(Assessment, Assessment.id == computed.c.assessment_id)
    rows = rows.where(*chosen)  # (also: SQLite reads ON CONFLICT after a join's ON otherwise)
    columns = ["assessment_id", "submission", "layout", *_COMPARED]
    statement = _insert().from_select(columns, rows)
    db.session.execute(statement.on_conflict_do_nothing(index_elements=["assessment_id"]))


_REBUILD_BATCH = 5000  # assessment ids per transaction of ``rebuild``


def rebuild() -> int:
    """Make the row of every submitted assessment current (`flask reports rebuild-sums`, e.g.
    right after the upgrade that added the table, so that the next release build need not
    compute them); returns the number of current rows. Commits every batch of assessment ids,
    so that a submit never waits long for the rows this locks."""
    versions = db.session.scalars(
        select(Assessment.index_version).distinct().where(Assessment.status == "submitted")
    ).all()
    last = db.session.scalar(select(func.max(Assessment.id))) or 0
    current = 0
    for version in sorted(versions):
        layout = _layout(load_index(version))
        if layout is None:
            continue
        periods = (Assessment.status == "submitted", Assessment.index_version == version)
        for start in range(0, last + 1, _REBUILD_BATCH):
            batch = Assessment.id.between(start, start + _REBUILD_BATCH - 1)
            refresh(layout, *periods, batch)
            db.session.commit()
        current += db.session.scalar(
            select(func.count()).select_from(Assessment).where(*periods, valid(layout.fingerprint))
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
        layout = _layout(load_index(version))
        if layout is None:
            continue
        current = (
            Assessment.status == "submitted",
            Assessment.index_version == version,
            valid(layout.fingerprint),
        )
        live = packed_sums_query(layout.packing, layout.item_levels, *current).subquery("live")
        t = _TABLE.c
        names = _COMPARED if layout.item_levels else _SUMS
        differs = [t[name] != live.c[name] for name in names]
        if not layout.item_levels:
            differs += [t[name].is_not(None) for name in LEVEL_COLUMNS]
        query = select(t.assessment_id, *differs).join(
            live, live.c.assessment_id == t.assessment_id
        )
        for assessment_id, *different in db.session.execute(query):
            compared += 1
            if any(different):
                differing.append(assessment_id)
    return compared, sorted(differing)
