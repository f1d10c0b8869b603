"""Per-assessment sums over the parts of the index, computed ONCE per release build.

Three steps of a release build need, for every submitted assessment of the period, the sum and
count of its current and of its target levels over a part of the index: the members' facts
(``releases.live_companies``: all answers and each framework), the panel's two sides
(``panel_figures``: overall, frameworks and groups of this year's and of the previous year's
assessment, when both years use the release's index version) and the peer benchmarks' member
means (``benchmark_build``: all answers, frameworks and groups). Each used to join and aggregate
the answer rows on its own (at 100k companies ~3.5 M rows a year each time); now they read one
temporary table, filled once per build, with one row per assessment and four integer columns per
part (and the four packed sums as they are, which the panel unpacks itself:
app/reports/panel_sums.py). Its rows come from the sums each submission stored when it was
submitted, packed in bit fields (app/reports/submission_sums.py, app/reports/packing.py): one row
per assessment instead of its ~35 answer rows. An index too wide to pack aggregates the answers
with the parts' item weights instead (app/reports/weights.py).

The sums are the same integers the three computed before (a part's sum of levels and its count of
non-NULL levels), so every figure derived from them is unchanged.

Parts: ``ALL_ANSWERS`` (every answer row of the assessment, whatever its item) and the parts of
``panel_figures.parts``: ``overall`` (the index's items), ``f:<framework>``, ``g:<group>``.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import BigInteger, Column, Integer, MetaData, Table, func, insert, select, text

from app.extensions import db
from app.models import Answer, Assessment, SubmissionPartSums
from app.reports import submission_sums
from app.reports import weights as item_weights
from app.reports.packing import LEVEL_COLUMNS, PACKED, ItemLevels, Packing, packed_sums_query
from app.reports.panel_figures import parts

ALL_ANSWERS = "*"
TABLE = "tmp_part_sums"
_SIDES = ("cs", "cn", "ts", "tn")  # current sum, current count, target sum, target count


@dataclass(frozen=True)
class PartSums:
    """The filled temporary table of one build: ``columns(part)`` gives a part's four columns,
    ``packed_columns()`` the four packed sums, ``level_columns()`` the items' level words."""

    table: Table
    index_version: str
    numbers: dict[str, int]  # part -> its column number
    # rows also for the submitted assessments of the year before (same index version)
    with_previous_year: bool = False
    # the items' level words are columns too (app/reports/packing.py, ItemLevels), or None
    item_levels: ItemLevels | None = None
    # the four packed sums are columns too (packed_cs, ...; app/reports/packing.py), or None
    packing: Packing | None = None

    @property
    def assessment_id(self):
        return self.table.c.assessment_id

    def columns(self, part: str):
        """(current sum, current count, target sum, target count) of ``part``."""
        k = self.numbers[part]
        return tuple(self.table.c[f"p{k}_{side}"] for side in _SIDES)

    def packed_columns(self) -> tuple:
        """The four packed sums (PACKED order); none without ``packing``."""
        if self.packing is None:
            return ()
        return tuple(self.table.c[f"packed_{name}"] for name in PACKED)

    def level_columns(self) -> tuple:
        """The four words of item levels (current, then target); none without ``item_levels``."""
        if self.item_levels is None:
            return ()
        return tuple(self.table.c[name] for name in LEVEL_COLUMNS)

    def drop(self) -> None:
        drop()


def drop() -> None:
    db.session.execute(text(f"DROP TABLE IF EXISTS {TABLE}"))


def _table(count: int, packed: bool, with_levels: bool) -> Table:
    columns = [Column("assessment_id", Integer, primary_key=True)]
    columns += [Column(f"p{k}_{side}", BigInteger) for k in range(count) for side in _SIDES]
    if packed:
        columns += [Column(f"packed_{name}", BigInteger) for name in PACKED]
    if with_levels:
        columns += [Column(name, BigInteger) for name in LEVEL_COLUMNS]
    return Table(TABLE, MetaData(), *columns, prefixes=["TEMPORARY"])


def _periods(fiscal_year: int, index_version: str):
    return (
        Assessment.status == "submitted",
        Assessment.fiscal_year.in_((fiscal_year - 1, fiscal_year)),
        Assessment.index_version == index_version,
    )


def refresh_stored(fiscal_year: int, index_version: str, index) -> None:
    """Make the stored rows of the period current (app/reports/submission_sums.py); a release
    build calls this and commits before it begins, so the rows it writes are locked only for
    that short transaction, not for the whole build."""
    layout = submission_sums.Layout.of(index)
    if layout is not None:
        submission_sums.refresh(layout, *_periods(fiscal_year, index_version))


def fill(fiscal_year: int, index_version: str, index, from_answers: bool = False) -> PartSums:
    """Create and fill the table for the submitted assessments of the period (those with at
    least one answer row, as the members' query always required) and of the year before with
    the same index version (the panel's previous-year side, app/reports/panel_figures.py).
    ``from_answers``: computed from the answers, not read from the stored rows (the release
    check compares a release with the answers themselves)."""
    the_parts = parts(index)
    numbers = {ALL_ANSWERS: 0} | {part: k + 1 for k, part in enumerate(the_parts)}
    periods = _periods(fiscal_year, index_version)
    layout = submission_sums.Layout.of(index)
    if layout is None:
        query, item_levels = _weighted_query(the_parts, periods), None
    elif from_answers:
        query, item_levels = _answers_query(the_parts, layout, periods), layout.item_levels
    else:
        submission_sums.refresh(layout, *periods)  # rows that went stale since refresh_stored
        query, item_levels = _stored_query(the_parts, layout, periods), layout.item_levels
    packing = None if layout is None else layout.packing
    table = _table(len(numbers), packing is not None, item_levels is not None)
    drop()  # a table left by an earlier build of this connection that failed
    table.create(db.session.connection())
    db.session.execute(insert(table).from_select([c.name for c in table.c], query))
    sums = PartSums(table, index_version, numbers, True, item_levels, packing)
    item_weights.analyze(TABLE, "assessment_id")  # the only column the build joins or filters on
    return sums


def _weighted_query(the_parts, periods):
    """Four sums per part and answer row (the general form: any parts, any levels)."""
    w = item_weights.relation([dict.fromkeys(ids, 1) for ids in the_parts.values()])
    columns = []  # in the table's order: per part, current sum and count, target sum and count
    for level in (Answer.current_level, Answer.target_level):  # every answer row, as before
        columns += [func.coalesce(func.sum(level), 0), func.count(level)]
    for k in range(len(the_parts)):
        columns += [
            *item_weights.sum_count(Answer.current_level, w.c[f"w{k}"]),
            *item_weights.sum_count(Answer.target_level, w.c[f"w{k}"]),
        ]
    return (
        select(Answer.assessment_id, *columns)
        .join(Assessment, Assessment.id == Answer.assessment_id)
        .join(w, w.c.item_id == Answer.item_id, isouter=True)
        .where(*periods)
        .group_by(Answer.assessment_id)
    )


def _stored_query(the_parts, layout: submission_sums.Layout, periods):
    """One row per assessment from its stored packed sums (app/reports/submission_sums.py, made
    current by ``refresh`` just before)."""
    t = SubmissionPartSums.__table__
    current = (t.c.submission == Assessment.version, t.c.layout == layout.fingerprint)
    return (
        select(*_unpacked(t.c, the_parts, layout))
        .join(Assessment, Assessment.id == t.c.assessment_id)
        .where(*periods, *current)
    )


def _answers_query(the_parts, layout: submission_sums.Layout, periods):
    """The rows of ``_stored_query``, computed from the answers (packing.packed_sums_query)."""
    packed = packed_sums_query(layout.packing, layout.item_levels, *periods).subquery("packed")
    return select(*_unpacked(packed.c, the_parts, layout))


def _unpacked(c, the_parts, layout: submission_sums.Layout) -> list:
    """The table's columns from a relation with the stored rows' columns ``c``: the all-answers
    sums, each part's four sums unpacked from the packed sums of its atoms, the packed sums as
    they are, then (with item levels) the four words as they are."""
    columns = [c.assessment_id, c.all_cs, c.all_cn, c.all_ts, c.all_tn]
    packed = tuple(c[name] for name in PACKED)
    for k in range(len(the_parts)):
        columns += layout.packing.unpacked(packed, k)
    columns += packed
    if layout.item_levels is not None:
        columns += [c[name] for name in LEVEL_COLUMNS]
    return columns
