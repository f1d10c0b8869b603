"""Panel figures (app/reports/panel.py decides which panel cells are published): each panel
company's means per part over the items comparable between its two years, and a cell's figures
from its companies' means.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from functools import cache

from sqlalchemy import and_, func, select

from app.indexes.services import predecessors
from app.models import Answer, ReleaseMember, ReleasePanelMember
from app.reports import cells as C
from app.reports import panel_sums
from app.reports import weights as item_weights
from app.reports.stats import Summary
from app.reports.streamed import streamed

OVERALL = "overall"


def parts(index) -> dict[str, tuple[str, ...]]:
    """Part key -> its items: overall, ``f:<framework>`` and ``g:<group>``."""
    result = {OVERALL: tuple(i.id for i in index.items)}
    result |= {f"f:{f.id}": tuple(f.item_ids) for f in index.frameworks}
    result |= {f"g:{g.id}": tuple(g.item_ids) for g in index.groups}
    return result


def comparable(previous_version: str, index) -> dict[str, str]:
    """This version's item -> the previous version's item it is compared with."""
    ids = [i.id for i in index.items]
    if previous_version == index.version_id:
        return {i: i for i in ids}
    found = predecessors(previous_version, index.version_id) or {}
    return {i: found[i] for i in ids if found.get(i) is not None}


def company_means(release_id: int, pairs, index, sums=None) -> dict[int, dict[str, tuple]]:
    """Company -> part -> (previous current, previous target, current, target) means over the
    part's comparable items (None without any); computed with GROUP BY, one query per side and
    previous index version. ``sums`` (the build's app/reports/part_sums.py table) gives this
    year's side, and the previous year's when it holds that year's rows, where the previous year
    used the same index version (every item comparable)."""
    the_parts = parts(index)
    result: dict[int, dict[str, tuple]] = defaultdict(dict)
    for version in sorted({p[2] for p in pairs.values()}):
        mapped = comparable(version, index)
        weights = {
            part: Counter(mapped[i] for i in ids if i in mapped) for part, ids in the_parts.items()
        }
        sides = []
        for join_on, item_key in (
            (ReleasePanelMember.previous_assessment_id, "old"),
            (ReleaseMember.assessment_id, "new"),
        ):
            summed = sums is not None and version == sums.index_version
            if summed and (item_key == "new" or sums.with_previous_year):
                sides.append(_summed_side(release_id, version, sums, the_parts, join_on))
                continue
            tables, names = [], []
            for part, ids in the_parts.items():
                if item_key == "old":
                    table = dict(weights[part])
                else:
                    table = {i: 1 for i in ids if i in mapped}
                if not table:
                    continue
                tables.append(table)
                names.append(part)
            if not tables:
                sides.append({})
                continue
            # One join with the parts' weights instead of a CASE per part (app/reports/weights.py)
            w = item_weights.relation(tables)
            columns = []
            for k in range(len(tables)):
                columns += [
                    *item_weights.sum_count(Answer.current_level, w.c[f"w{k}"]),
                    *item_weights.sum_count(Answer.target_level, w.c[f"w{k}"]),
                ]
            query = (
                _panel_members(release_id, version)
                .add_columns(*columns)
                .join(Answer, Answer.assessment_id == join_on)
                .join(w, w.c.item_id == Answer.item_id)
                .group_by(ReleaseMember.company_id)
            )
            sides.append(_side_means(streamed(query), names))
        before, after = sides
        for cid in after.keys() | before.keys():
            for part in the_parts:
                old = before.get(cid, {}).get(part, (None, None))
                new = after.get(cid, {}).get(part, (None, None))
                result[cid][part] = (*old, *new)
    return result


def _panel_members(release_id: int, version: str):
    """The release's members that are panel members with a previous year of ``version``."""
    return (
        select(ReleaseMember.company_id)
        .join(
            ReleasePanelMember,
            and_(
                ReleasePanelMember.release_id == ReleaseMember.release_id,
                ReleasePanelMember.company_id == ReleaseMember.company_id,
            ),
        )
        .where(
            ReleaseMember.release_id == release_id,
            ReleasePanelMember.previous_index_version == version,
        )
    )


def _summed_side(
    release_id: int, version: str, sums, the_parts, assessment_id
) -> dict[int, dict[str, tuple]]:
    """One side of the panel members of ``version`` (``assessment_id``: this year's or the
    previous year's assessment column) from the build's part sums, when both years use the
    release's index version: every item is comparable with weight 1, so these are the same
    sums as the GROUP BY over the answers of every part's items. (A previous-year assessment
    with answers to none of the index's items has a row of zero counts here and no row there:
    both give no means.)"""
    columns = [column for part in the_parts for column in sums.columns(part)]
    query = (
        _panel_members(release_id, version)
        .add_columns(*columns)
        .join(sums.table, sums.assessment_id == assessment_id)
    )
    return _side_means(streamed(query), the_parts)


def _side_means(rows, part_names) -> dict[int, dict[str, tuple]]:
    """Company -> part -> (current, target) means from rows of (company id, then the current
    sum and count and the target sum and count of each part in ``part_names``' order)."""
    side = {}
    for row in rows:
        numbers = [int(x) for x in row[1:]]
        side[row[0]] = {
            part: (
                _mean(numbers[4 * k], numbers[4 * k + 1]),
                _mean(numbers[4 * k + 2], numbers[4 * k + 3]),
            )
            for k, part in enumerate(part_names)
        }
    return side


def _mean(total: int, n: int) -> float | None:
    return total / n if n else None


FIGURE_NAMES = ("previous_current", "previous_target", "current", "target")


def cell_figures(companies, means, pairs, index) -> dict:
    """One cell's figures from its companies' means (the plain definition; the build takes the
    same figures for every cell at once from figures_by_cell)."""
    figures = {"n": len(companies), "parts": {}}
    for part in parts(index):
        values = [means.get(cid, {}).get(part) for cid in companies]
        values = [v for v in values if v is not None and None not in v]
        if not values:
            figures["parts"][part] = None  # 比較不可
            continue
        figures["parts"][part] = {
            name: Summary.of([v[k] for v in values]).mean for k, name in enumerate(FIGURE_NAMES)
        }
    return _with_versions(figures, {pairs[cid][2] for cid in companies}, index)


def _with_versions(figures: dict, versions, index) -> dict:
    figures["previous_versions"] = sorted(versions)
    figures["comparable_items"] = {
        v: len(comparable(v, index)) for v in figures["previous_versions"]
    }
    return figures


# Exact sums without a list per cell: a company's mean is a float p / q with q a power of two;
# for means over at most 64 items q divides 2**64, so the float is an integer multiple of 2**-64
# and the sum of a cell's means is an exact integer sum. `exact / 2**64` (correctly rounded, as
# math.fsum) divided by the count is then bit for bit statistics.fmean, i.e. Summary.of().mean.
_SCALE = 1 << 64


@cache  # a few hundred distinct means (level sums over item counts) repeat over the companies
def _fixed(value: float) -> int:
    numerator, denominator = value.as_integer_ratio()
    if _SCALE % denominator:
        raise ArithmeticError(value)  # not a multiple of 2**-64: use the plain definition
    return numerator * (_SCALE // denominator)


def figures_by_cell(members, pairs, means, index, keys) -> dict[str, dict]:
    """The figures of the panel cells of ``keys`` (main cell keys): companies are summed once
    per combination of cells they belong to (at most a few thousand), then per cell."""
    the_parts = list(parts(index))
    atoms: dict[tuple, list] = {}
    for m in members:
        if m.company_id not in pairs:
            continue
        cells = C.cells_of(m)
        atom = atoms.setdefault(cells, [0, set(), {part: [0, 0, 0, 0, 0] for part in the_parts}])
        atom[0] += 1
        atom[1].add(pairs[m.company_id][2])
        mine = means.get(m.company_id, {})
        for part in the_parts:
            v = mine.get(part)
            if v is None or None in v:
                continue
            total = atom[2][part]
            total[0] += 1
            for k in range(4):
                total[k + 1] += _fixed(v[k])
    return _cells_of_atoms(atoms, the_parts, keys, index)


def summable(pairs, sums) -> bool:
    """Whether summed_figures_by_cell can give the panel figures: both years of every panel
    member use the release's index version and the part sums hold the previous year and the
    packed sums."""
    return (
        sums is not None
        and sums.with_previous_year
        and sums.packing is not None
        and all(p[2] == sums.index_version for p in pairs.values())
    )


def summed_figures_by_cell(release_id: int, index, sums, keys) -> dict:
    """figures_by_cell without the per-company dicts of means (only when ``summable``): one
    row per panel member with its facts and both years' packed sums, summed per combination
    of cells in chunks (app/reports/panel_sums.py). The same figures as the plain definition,
    bit for bit:

    - a mean is the float ``sum / count`` (IEEE division of two small integers, correctly
      rounded in numpy as in Python);
    - with at most 64 items a part, that float is an integer multiple of 2**-64, so
      ``mean * 2**64`` is an exact integer (a power-of-two product), split exactly into its
      high and low 32 bits, which are summed as integers (no float sum: no rounding).
    """
    the_parts = list(parts(index))
    if max(len(items) for items in parts(index).values()) > 64:
        raise ArithmeticError(index.version_id)  # a mean may not be a multiple of 2**-64
    previous = sums.table.alias("previous_sums")
    m = ReleaseMember.__table__.c
    facts = (m.bureau_code, m.prefecture_code, m.jsic_division, m.size_class, m.cohort)
    # a member without sums on a side reads 0 there: no counts, its parts do not count
    new = [func.coalesce(column, 0) for column in sums.packed_columns()]
    old = [func.coalesce(previous.c[column.name], 0) for column in sums.packed_columns()]
    query = (
        _panel_members(release_id, sums.index_version)
        .with_only_columns(*facts, *new, *old)
        .outerjoin(sums.table, sums.assessment_id == ReleaseMember.assessment_id)
        .outerjoin(previous, previous.c.assessment_id == ReleasePanelMember.previous_assessment_id)
    )
    combinations: dict[tuple, int] = {}  # a member's facts -> its combination's number

    def rows():
        for row in streamed(query):
            number = combinations.setdefault(row[:5], len(combinations))
            yield (number, *row[5:])

    members, totals = panel_sums.atom_totals(rows(), sums.packing, len(the_parts))
    atoms: dict[tuple, list] = {}
    for combination, number in combinations.items():
        cells = C.cells_for(*combination)
        atom = atoms.get(cells)
        if atom is None:
            atom = atoms[cells] = [0, set(), {part: [0, 0, 0, 0, 0] for part in the_parts}]
        atom[0] += members[number]
        atom[1].add(sums.index_version)  # every panel member's previous year (``summable``)
        numbers = totals[number]
        for k, part in enumerate(the_parts):
            at = panel_sums.WIDTH * k
            total = atom[2][part]
            total[0] += numbers[at]
            for side in range(4):
                high, low = numbers[at + 1 + 2 * side], numbers[at + 2 + 2 * side]
                total[side + 1] += (high << 32) + low
    return _cells_of_atoms(atoms, the_parts, keys, index)


def _cells_of_atoms(atoms, the_parts, keys, index) -> dict[str, dict]:
    """Cell figures from per-combination-of-cells totals [n, versions, part -> [count, the
    four exact sums]]."""
    wanted = set(keys)
    cells: dict[str, list] = {}
    for atom_cells, (n, versions, totals) in atoms.items():
        for key in atom_cells:
            if key not in wanted:
                continue
            cell = cells.setdefault(key, [0, set(), {p: [0, 0, 0, 0, 0] for p in the_parts}])
            cell[0] += n
            cell[1] |= versions
            for part, total in totals.items():
                into = cell[2][part]
                for k in range(5):
                    into[k] += total[k]
    result = {}
    for key, (n, versions, totals) in cells.items():
        figures = {"n": n, "parts": {}}
        for part, (count, *sums) in totals.items():
            figures["parts"][part] = (
                {name: (sums[k] / _SCALE) / count for k, name in enumerate(FIGURE_NAMES)}
                if count
                else None  # 比較不可
            )
        result[key] = _with_versions(figures, versions, index)
    return result
