"""Per-assessment sums over the parts of the index, computed ONCE per release build.

Three steps of a release build need, for every submitted assessment of the period, the sum and
count of its current and of its target levels over a part of the index: the members' facts
(``releases.live_companies``: all answers and each framework), the panel's this-year side
(``panel_figures.company_means``: overall, frameworks and groups, when both years use the
release's index version) and the peer benchmarks' member means (``benchmark_build``: all
answers, frameworks and groups). Each used to join and aggregate the period's answer rows on its
own (at 100k companies ~3.5 M rows each time); now one ``GROUP BY assessment`` over the answers,
joined once with the parts' item weights (app/reports/weights.py), fills a temporary table with
one row per assessment and four integer columns per part, and the three read that table.

The sums are the same integers the three computed before (a part's sum of levels and its count of
non-NULL levels), so every figure derived from them is unchanged.

Parts: ``ALL_ANSWERS`` (every answer row of the assessment, whatever its item) and the parts of
``panel_figures.parts``: ``overall`` (the index's items), ``f:<framework>``, ``g:<group>``.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import BigInteger, Column, Integer, MetaData, Table, func, insert, select, text

from app.extensions import db
from app.models import Answer, Assessment
from app.reports import weights as item_weights
from app.reports.panel_figures import parts

ALL_ANSWERS = "*"
TABLE = "tmp_part_sums"
_SIDES = ("cs", "cn", "ts", "tn")  # current sum, current count, target sum, target count


@dataclass(frozen=True)
class PartSums:
    """The filled temporary table of one build: ``columns(part)`` gives its four columns."""

    table: Table
    index_version: str
    numbers: dict[str, int]  # part -> its column number

    @property
    def assessment_id(self):
        return self.table.c.assessment_id

    def columns(self, part: str):
        """(current sum, current count, target sum, target count) of ``part``."""
        k = self.numbers[part]
        return tuple(self.table.c[f"p{k}_{side}"] for side in _SIDES)

    def drop(self) -> None:
        db.session.execute(text(f"DROP TABLE IF EXISTS {TABLE}"))


def _table(count: int) -> Table:
    columns = [Column("assessment_id", Integer, primary_key=True)]
    columns += [Column(f"p{k}_{side}", BigInteger) for k in range(count) for side in _SIDES]
    return Table(TABLE, MetaData(), *columns, prefixes=["TEMPORARY"])


def fill(fiscal_year: int, index_version: str, index) -> PartSums:
    """Create and fill the table for the submitted assessments of the period (those with at
    least one answer row, as the members' query always required)."""
    the_parts = parts(index)
    numbers = {ALL_ANSWERS: 0} | {part: k + 1 for k, part in enumerate(the_parts)}
    table = _table(len(numbers))
    w = item_weights.relation([dict.fromkeys(ids, 1) for ids in the_parts.values()])
    columns = []  # in the table's order: per part, current sum and count, target sum and count
    for level in (Answer.current_level, Answer.target_level):  # every answer row, as before
        columns += [func.coalesce(func.sum(level), 0), func.count(level)]
    for k in range(len(the_parts)):
        columns += [
            *item_weights.sum_count(Answer.current_level, w.c[f"w{k}"]),
            *item_weights.sum_count(Answer.target_level, w.c[f"w{k}"]),
        ]
    query = (
        select(Answer.assessment_id, *columns)
        .join(Assessment, Assessment.id == Answer.assessment_id)
        .join(w, w.c.item_id == Answer.item_id, isouter=True)
        .where(
            Assessment.status == "submitted",
            Assessment.fiscal_year == fiscal_year,
            Assessment.index_version == index_version,
        )
        .group_by(Answer.assessment_id)
    )
    sums = PartSums(table, index_version, numbers)
    sums.drop()  # a table left by an earlier build of this connection that failed
    table.create(db.session.connection())
    db.session.execute(insert(table).from_select([c.name for c in table.c], query))
    item_weights.analyze(TABLE)
    return sums
