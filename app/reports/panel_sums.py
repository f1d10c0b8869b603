"""The panel's exact sums of company means per combination of cells, counted with numpy.

A panel cell's figure for a part and side is the mean of its companies' means (each the float
``sum / count`` of the company's levels over the part). With at most 64 items a part such a float
is an integer multiple of 2**-64 (app/reports/panel_figures.py), so ``mean * 2**64`` is an exact
integer below 2**67: its high and low 32 bits are exact in float64 and their sums are exact as
integers. The database summed those halves per combination of cells with ~117 aggregates per
member row (1.9 s of a 100k build on a slow machine); here every member brings only its eight
packed sums (app/reports/packing.py, four per year), unpacked and divided for a chunk of members
at once: IEEE division of the same small integers, so the same floats, and the same integers.

Pure: numpy and the packing's field layout (``Packing.fields``); no database, no SQLAlchemy.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # only its field layout (Packing.fields) is used: no database here
    from app.reports.packing import Packing

CHUNK = 20_000  # members per numpy pass: sums of 2**35-sized halves stay far below 2**63
_SCALE = 2.0**64
_HALF = 2.0**32
# per part: members counted, then (high, low) of previous current, previous target, current,
# target (panel_figures.FIGURE_NAMES)
WIDTH = 9


def atom_totals(
    rows: Iterable[Sequence[int]], packing: Packing, part_count: int
) -> tuple[list[int], list[list[int]]]:
    """Per combination number: (members, per part the WIDTH integer sums) from ``rows`` of
    (combination number, this year's four packed sums, the previous year's four; 0 where a
    year has no sums: no counts, so the member's parts do not count)."""
    members: list[int] = []
    totals: list[list[int]] = []
    chunk: list[Sequence[int]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == CHUNK:
            _add(chunk, packing, part_count, members, totals)
            chunk = []
    if chunk:
        _add(chunk, packing, part_count, members, totals)
    return members, totals


def _add(chunk, packing: Packing, part_count: int, members, totals) -> None:
    import numpy as np  # loaded where a release is built, not by every web worker

    table = np.array(chunk, dtype=np.int64)
    combination, new, old = table[:, 0], table[:, 1:5], table[:, 5:9]
    columns = []
    for k in range(part_count):
        ncs, ncn, nts, ntn = _part(new, packing.fields(k))
        ocs, ocn, ots, otn = _part(old, packing.fields(k))
        counted = (ocn > 0) & (otn > 0) & (ncn > 0) & (ntn > 0)
        columns.append(counted.astype(np.int64))
        for total, count in ((ocs, ocn), (ots, otn), (ncs, ncn), (nts, ntn)):
            columns += _exact_halves(np, total, count, counted)
    values = np.stack(columns, axis=1)
    order = np.argsort(combination, kind="stable")
    ordered = combination[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    sums = np.add.reduceat(values[order], starts, axis=0).tolist()
    sizes = np.diff(np.r_[starts, len(ordered)]).tolist()
    for number, size, row in zip(ordered[starts].tolist(), sizes, sums, strict=True):
        while len(totals) <= number:
            members.append(0)
            totals.append([0] * (WIDTH * part_count))
        members[number] += size
        into = totals[number]
        for j, value in enumerate(row):
            into[j] += value


def _part(words, fields):
    """A part's four sums (PACKED order) from an (n, 4) array of packed sums."""
    result = []
    for column, column_fields in enumerate(fields):
        word = words[:, column]
        total = 0
        for shift, mask in column_fields:
            total = total + ((word >> shift) & mask)
        result.append(total)
    return result


def _exact_halves(np, total, count, counted):
    """(high, low) 32 bits of ``total / count * 2**64`` where ``counted``, else 0 (see the
    module docstring: both exact integers)."""
    scaled = total / np.where(count > 0, count, 1) * _SCALE  # float64, as the plain mean
    high = np.floor(scaled / _HALF)
    low = scaled - high * _HALF
    return np.where(counted, high, 0).astype(np.int64), np.where(counted, low, 0).astype(np.int64)
