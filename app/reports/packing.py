"""Per-assessment sums of levels over overlapping parts of the index, packed in bit fields.

The parts overlap (an item is in ``overall``, one framework and one group), so summing each
part on its own advances 4 sums per part on every answer row: at 100k companies 3.5 M rows x 52
sums. Instead, the items are split into "atoms" (items in exactly the same parts: here the
groups), every part is a union of atoms, and each of the four sums of every atom gets a bit field
of its own inside ONE integer per kind of sum: an answer adds ``level << (its atom's field)``.
A field is wide enough for the largest sum its atom can reach (every item answered at the
highest level; an item is answered at most once per assessment, the answers' unique key, and
levels are 0..5, their check constraint), so no field carries into the next and the integer is
the exact concatenation of the atoms' sums. A part's sum is the sum of its atoms' fields. Four
sums per answer row instead of 52, the same integers. An index whose fields do not fit in 62
bits has no packing (``Packing.of`` gives None): its sums are computed part by part
(app/reports/part_sums.py).

The packed integers of one assessment are computed in the database (``packed_sums_query``, for
many assessments at once) or in Python (``Packing.packed``, at submit time,
app/reports/submission_sums.py): the same integers either way.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import (
    BigInteger,
    String,
    case,
    cast,
    func,
    literal,
    literal_column,
    select,
)

from app.models import Answer, Assessment
from app.reports.weights import literal_rows
from scoring import MAX_LEVEL

_WORD_BITS = 62
_MAX_LEVEL = MAX_LEVEL  # answers' check constraint: levels 0..5
PACKED = ("cs", "cn", "ts", "tn")  # current sum, current count, target sum, target count
ALL_ANSWERS = ("all_cs", "all_cn", "all_ts", "all_tn")  # the same over every answer row


@dataclass(frozen=True)
class Packing:
    atoms: tuple[tuple[str, ...], ...]  # items of each atom
    level_shifts: tuple[int, ...]  # bit offset of each atom's sum of levels
    count_shifts: tuple[int, ...]  # bit offset of each atom's count of answers
    of_part: tuple[tuple[int, ...], ...]  # per part (in order): its atoms

    @classmethod
    def of(cls, the_parts) -> Packing | None:
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

    def packed(self, levels: Iterable[tuple[str, int | None, int | None]]) -> dict[str, int]:
        """The eight integers of ``packed_sums_query`` for one assessment, from its answer rows
        (item id, current level, target level): what the database computes, in Python."""
        atom_of = {item: a for a, items in enumerate(self.atoms) for item in items}
        result = dict.fromkeys(ALL_ANSWERS + PACKED, 0)
        for item, current, target in levels:
            a = atom_of.get(item)  # an answer outside the index's items: all-answers sums only
            for level, (total, count, packed_total, packed_count) in (
                (current, ("all_cs", "all_cn", "cs", "cn")),
                (target, ("all_ts", "all_tn", "ts", "tn")),
            ):
                if level is None:
                    continue
                result[total] += level
                result[count] += 1
                if a is not None:
                    result[packed_total] += level << self.level_shifts[a]
                    result[packed_count] += 1 << self.count_shifts[a]
        return result

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
        return literal_rows(rows, "item_fields")

    def fields(self, k: int) -> tuple[tuple[tuple[int, int], ...], ...]:
        """Where part ``k``'s four sums are, in the order of PACKED: per packed integer, the
        (shift, mask) of each of the part's atoms; the sum is that of the fields."""
        level = tuple(
            (self.level_shifts[a], (1 << self._level_width(a)) - 1) for a in self.of_part[k]
        )
        count = tuple(
            (self.count_shifts[a], (1 << self._count_width(a)) - 1) for a in self.of_part[k]
        )
        return level, count, level, count

    def unpacked(self, packed, k: int):
        """The four sums of part ``k`` from the packed columns (cs, cn, ts, tn)."""
        result = []
        for column, fields in zip(packed, self.fields(k), strict=True):
            terms = [  # integer constants of this module, written into the SQL
                column.op(">>")(literal_column(str(shift))).op("&")(literal_column(str(mask)))
                for shift, mask in fields
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


def levels():
    """Per answer row: (current level, 1 if it is answered, target level, 1 if it is)."""
    return (
        Answer.current_level,
        case((Answer.current_level.is_not(None), 1), else_=0),
        Answer.target_level,
        case((Answer.target_level.is_not(None), 1), else_=0),
    )


def packed_sums_query(packing: Packing, item_levels: ItemLevels | None, *conditions):
    """One row per assessment matching ``conditions`` (on Assessment) that has answer rows:
    (assessment_id, the all-answers sums, the four packed sums, and with ``item_levels`` its
    four words of item levels), from its answers."""
    f = packing.relation()
    current, current_n, target, target_n = levels()
    columns = [
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
        columns.append(cast(func.coalesce(func.sum(level * multiplier), 0), BigInteger).label(name))
    query = select(Answer.assessment_id, *columns).join(
        Assessment, Assessment.id == Answer.assessment_id
    )
    query = query.join(f, f.c.item_id == Answer.item_id, isouter=True)
    if item_levels is not None:
        words = item_levels.relation()
        query = query.add_columns(*item_levels.word_sums(words))
        query = query.join(words, words.c.item_id == Answer.item_id, isouter=True)
    return query.where(*conditions).group_by(Answer.assessment_id)


# -- item levels ---------------------------------------------------------------------------------
#
# The level counts per item of a cell (how many companies answered item X at level L, and their
# target levels) need every item's level, not a part's sum. Each assessment's current levels are
# kept as ``LEVEL_WORDS`` integers with a 3-bit field per item in the index's order, holding the
# level + 1 (0: not answered), ``ITEMS_PER_WORD`` items a word; the same for the target levels.
# An index with more items than the words hold has no item levels (``ItemLevels.of`` gives None):
# its counts are aggregated from the answers (app/reports/releases.py).

LEVEL_WORDS = 2
ITEMS_PER_WORD = 20  # 3 bits each: 60 bits, inside a signed 64-bit integer
LEVEL_COLUMNS = ("cl0", "cl1", "tl0", "tl1")  # current words, then target words


@dataclass(frozen=True)
class ItemLevels:
    items: tuple[str, ...]  # the index's items, in order: item k is field k % 20 of word k // 20

    @classmethod
    def of(cls, index) -> ItemLevels | None:
        items = tuple(item.id for item in index.items)
        return cls(items) if len(items) <= LEVEL_WORDS * ITEMS_PER_WORD else None

    def words(self, levels: Iterable[tuple[str, int | None, int | None]]) -> dict[str, int]:
        """The four words of one assessment from its answer rows (item id, current, target), as
        ``word_sums`` computes them in the database."""
        position = {item: k for k, item in enumerate(self.items)}
        result = dict.fromkeys(LEVEL_COLUMNS, 0)
        for item, current, target in levels:
            k = position.get(item)
            if k is None:
                continue  # an answer outside the index's items
            word, shift = divmod(k, ITEMS_PER_WORD)
            for side, level in (("cl", current), ("tl", target)):
                if level is not None:
                    result[f"{side}{word}"] += (level + 1) << (3 * shift)
        return result

    def relation(self):
        """One row per item: (item_id, its multiplier in word 0, in word 1)."""
        rows = []
        for k, item in enumerate(self.items):
            word, shift = divmod(k, ITEMS_PER_WORD)
            rows.append(
                select(
                    literal(item, String).label("item_id"),
                    *(
                        cast(literal((1 << 3 * shift) if w == word else 0), BigInteger).label(
                            f"m{w}"
                        )
                        for w in range(LEVEL_WORDS)
                    ),
                )
            )
        return literal_rows(rows, "item_words")

    def word_sums(self, relation):
        """The four words as aggregates over answer rows joined (outer) with ``relation``."""
        columns = []
        for side, level in (("cl", Answer.current_level), ("tl", Answer.target_level)):
            for w in range(LEVEL_WORDS):
                value = func.coalesce(level + 1, 0) * relation.c[f"m{w}"]
                columns.append(
                    cast(func.coalesce(func.sum(value), 0), BigInteger).label(f"{side}{w}")
                )
        return columns
