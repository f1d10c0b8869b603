"""Per-assessment sums over the parts of the index, computed ONCE per release build.

Three steps of a release build need, for every submitted assessment of the period, the sum and
count of its current and of its target levels over a part of the index: the members' facts
(``releases.live_companies``: all answers and each framework), the panel's two sides
(``panel_figures``: overall, frameworks and groups of this year's and of the previous year's
assessment, when both years use the release's index version) and the peer benchmarks' member
means (``benchmark_build``: all answers, frameworks and groups). Each used to join and aggregate
the answer rows on its own (at 100k companies ~3.5 M rows a year each time); now one ``GROUP BY
assessment`` over the answers of the release's year and the year before fills a temporary table
with one row per assessment and four integer columns per part, and they read that table. The
sums are packed into bit fields while aggregating (see "packed sums" below); an index too wide
for that joins the parts' item weights instead (app/reports/weights.py).

The sums are the same integers the three computed before (a part's sum of levels and its count of
non-NULL levels), so every figure derived from them is unchanged.

Parts: ``ALL_ANSWERS`` (every answer row of the assessment, whatever its item) and the parts of
``panel_figures.parts``: ``overall`` (the index's items), ``f:<framework>``, ``g:<group>``.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import (
    BigInteger,
    Column,
    Integer,
    MetaData,
    String,
    Table,
    case,
    cast,
    func,
    insert,
    literal,
    literal_column,
    select,
    text,
    union_all,
)

from app.extensions import db
from app.models import Answer, Assessment
from app.reports import weights as item_weights
from app.reports.panel_figures import parts
from scoring import MAX_LEVEL

ALL_ANSWERS = "*"
TABLE = "tmp_part_sums"
_SIDES = ("cs", "cn", "ts", "tn")  # current sum, current count, target sum, target count


@dataclass(frozen=True)
class PartSums:
    """The filled temporary table of one build: ``columns(part)`` gives its four columns."""

    table: Table
    index_version: str
    numbers: dict[str, int]  # part -> its column number
    # rows also for the submitted assessments of the year before (same index version)
    with_previous_year: bool = False

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
    least one answer row, as the members' query always required) and of the year before with
    the same index version (the panel's previous-year side, app/reports/panel_figures.py)."""
    the_parts = parts(index)
    numbers = {ALL_ANSWERS: 0} | {part: k + 1 for k, part in enumerate(the_parts)}
    table = _table(len(numbers))
    periods = (
        Assessment.status == "submitted",
        Assessment.fiscal_year.in_((fiscal_year - 1, fiscal_year)),
        Assessment.index_version == index_version,
    )
    packing = _Packing.of(the_parts)
    query = (_packed_query if packing else _weighted_query)(the_parts, packing, periods)
    sums = PartSums(table, index_version, numbers, with_previous_year=True)
    sums.drop()  # a table left by an earlier build of this connection that failed
    table.create(db.session.connection())
    db.session.execute(insert(table).from_select([c.name for c in table.c], query))
    item_weights.analyze(TABLE)
    return sums


def _levels():
    """Per answer row: (current level, 1 if it is answered, target level, 1 if it is)."""
    return (
        Answer.current_level,
        case((Answer.current_level.is_not(None), 1), else_=0),
        Answer.target_level,
        case((Answer.target_level.is_not(None), 1), else_=0),
    )


def _weighted_query(the_parts, _packing, periods):
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


# -- packed sums ----------------------------------------------------------------------------------
#
# The parts overlap (an item is in ``overall``, one framework and one group), so the weighted
# form advances 4 sums per part on every answer row: at 100k companies 3.5 M rows x 52 sums.
# Instead, the items are split into "atoms" (items in exactly the same parts: here the groups),
# every part is a union of atoms, and each of the four sums of every atom gets a bit field of
# its own inside ONE integer per kind of sum: an answer adds ``level << (its atom's field)``.
# A field is wide enough for the largest sum its atom can reach (every item answered at the
# highest level; an item is answered at most once per assessment, the answers' unique key, and
# levels are 0..5, their check constraint), so no field carries into the next and the integer
# is the exact concatenation of the atoms' sums. The database then unpacks one row per
# assessment: a part's sum is the sum of its atoms' fields. Four sums per answer row instead of
# 52, the same integers. An index whose fields do not fit in 62 bits uses the weighted form.

_WORD_BITS = 62
_MAX_LEVEL = MAX_LEVEL  # answers' check constraint: levels 0..5


@dataclass(frozen=True)
class _Packing:
    atoms: tuple[tuple[str, ...], ...]  # items of each atom
    level_shifts: tuple[int, ...]  # bit offset of each atom's sum of levels
    count_shifts: tuple[int, ...]  # bit offset of each atom's count of answers
    of_part: tuple[tuple[int, ...], ...]  # per part (in order): its atoms

    @classmethod
    def of(cls, the_parts) -> _Packing | None:
        membership: dict[str, list[int]] = {}
        for k, ids in enumerate(the_parts.values()):
            for item in dict.fromkeys(ids):
                membership.setdefault(item, []).append(k)
        by_signature: dict[tuple[int, ...], list[str]] = {}
        for item, signature in membership.items():
            by_signature.setdefault(tuple(signature), []).append(item)
        signatures = list(by_signature)
        level_shifts, count_shifts, level_bits, count_bits = [], [], 0, 0
        for signature in signatures:
            size = len(by_signature[signature])
            level_shifts.append(level_bits)
            count_shifts.append(count_bits)
            level_bits += (_MAX_LEVEL * size).bit_length()
            count_bits += size.bit_length()
        if level_bits > _WORD_BITS or count_bits > _WORD_BITS:
            return None
        of_part = tuple(
            tuple(a for a, signature in enumerate(signatures) if k in signature)
            for k in range(len(the_parts))
        )
        atoms = tuple(tuple(by_signature[signature]) for signature in signatures)
        return cls(atoms, tuple(level_shifts), tuple(count_shifts), of_part)

    def relation(self):
        """One row per item: (item_id, level multiplier, count multiplier) as BIGINTs."""
        rows = [
            select(
                literal(item, String).label("item_id"),
                cast(literal(1 << self.level_shifts[a]), BigInteger).label("lm"),
                cast(literal(1 << self.count_shifts[a]), BigInteger).label("cm"),
            )
            for a, items in enumerate(self.atoms)
            for item in items
        ]
        return union_all(*rows).subquery("item_fields") if len(rows) > 1 else rows[0].subquery()

    def unpacked(self, packed, k: int):
        """The four sums of part ``k`` from the packed columns (cs, cn, ts, tn)."""
        cs, cn, ts, tn = packed
        result = []
        for column, shifts, width in (
            (cs, self.level_shifts, self._level_width),
            (cn, self.count_shifts, self._count_width),
            (ts, self.level_shifts, self._level_width),
            (tn, self.count_shifts, self._count_width),
        ):
            terms = [  # integer constants of this module, written into the SQL
                column.op(">>")(literal_column(str(shifts[a]))).op("&")(
                    literal_column(str((1 << width(a)) - 1))
                )
                for a in self.of_part[k]
            ]
            total = terms[0]
            for term in terms[1:]:
                total = total + term
            result.append(total)
        return result

    def _level_width(self, a: int) -> int:
        return (_MAX_LEVEL * len(self.atoms[a])).bit_length()

    def _count_width(self, a: int) -> int:
        return len(self.atoms[a]).bit_length()


def _packed_query(the_parts, packing: _Packing, periods):
    """One row per assessment: the all-answers sums, then each part's unpacked from the four
    packed sums of its atoms."""
    f = packing.relation()
    current, current_n, target, target_n = _levels()
    packed = [
        func.coalesce(func.sum(current), 0).label("all_cs"),
        func.count(current).label("all_cn"),
        func.coalesce(func.sum(target), 0).label("all_ts"),
        func.count(target).label("all_tn"),
    ]
    for name, level, multiplier in (
        ("cs", current, f.c.lm),
        ("cn", current_n, f.c.cm),
        ("ts", target, f.c.lm),
        ("tn", target_n, f.c.cm),
    ):
        packed.append(cast(func.coalesce(func.sum(level * multiplier), 0), BigInteger).label(name))
    inner = (
        select(Answer.assessment_id, *packed)
        .join(Assessment, Assessment.id == Answer.assessment_id)
        .join(f, f.c.item_id == Answer.item_id, isouter=True)
        .where(*periods)
        .group_by(Answer.assessment_id)
        .subquery("packed")
    )
    p = inner.c
    columns = [p.assessment_id, p.all_cs, p.all_cn, p.all_ts, p.all_tn]
    for k in range(len(the_parts)):
        columns += packing.unpacked((p.cs, p.cn, p.ts, p.tn), k)
    return select(*columns)
