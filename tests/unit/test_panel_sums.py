"""The panel's exact sums of means per combination of cells (app/reports/panel_sums.py) against
the plain definition: each member's part means as Python floats, turned into exact integers of
2**-64 (panel_figures._fixed), summed where all four of the member's counts are positive."""

import random

import pytest

from app.reports import panel_sums
from app.reports.packing import PACKED, Packing
from app.reports.panel_figures import _fixed, parts
from questionnaires import DEFAULT_VERSION, load_index

LEVELS = [None, 0, 1, 2, 3, 4, 5]


def _answers(rng, items, unanswered):
    """(item, current, target) rows; ``unanswered``: the share of missing levels."""
    rows = []
    for item in items:
        if rng.random() < 0.1:
            continue  # no answer row at all
        pick = lambda: None if rng.random() < unanswered else rng.randint(0, 5)  # noqa: E731
        rows.append((item, pick(), pick()))
    return rows


def _plain_sums(rows, the_parts):
    """Per part: (current sum, count, target sum, count) of the answered items."""
    result = []
    for ids in the_parts.values():
        mine = [r for r in rows if r[0] in ids]
        current = [r[1] for r in mine if r[1] is not None]
        target = [r[2] for r in mine if r[2] is not None]
        result.append((sum(current), len(current), sum(target), len(target)))
    return result


@pytest.mark.parametrize("chunk", [7, panel_sums.CHUNK])
def test_atom_totals_equal_the_plain_sums_of_means(monkeypatch, chunk):
    monkeypatch.setattr(panel_sums, "CHUNK", chunk)
    rng = random.Random(chunk)
    index = load_index(DEFAULT_VERSION)
    the_parts = parts(index)
    packing = Packing.of(the_parts)
    items = [i.id for i in index.items]
    rows, expected_members, expected = [], {}, {}
    for _ in range(250):
        combination = rng.randrange(5)
        years = []
        for _year in range(2):
            if rng.random() < 0.05:
                years.append(None)  # no sums that year (the outer join's NULLs: 0)
            else:
                years.append(_answers(rng, items, rng.choice([0.0, 0.05, 0.5])))
        new, old = years
        words = []
        for answers in (new, old):
            packed = packing.packed(answers) if answers is not None else dict.fromkeys(PACKED, 0)
            words += [packed[name] for name in PACKED]
        rows.append((combination, *words))
        expected_members[combination] = expected_members.get(combination, 0) + 1
        totals = expected.setdefault(combination, [[0] * 5 for _ in the_parts])
        if new is None or old is None:
            continue
        for k, ((ncs, ncn, nts, ntn), (ocs, ocn, ots, otn)) in enumerate(
            zip(_plain_sums(new, the_parts), _plain_sums(old, the_parts), strict=True)
        ):
            if not (ncn and ntn and ocn and otn):
                continue
            totals[k][0] += 1
            for side, (total, count) in enumerate(((ocs, ocn), (ots, otn), (ncs, ncn), (nts, ntn))):
                totals[k][side + 1] += _fixed(total / count)

    members, totals = panel_sums.atom_totals(iter(rows), packing, len(the_parts))

    assert {n: size for n, size in enumerate(members) if size} == expected_members
    non_dyadic = 0
    for combination, parts_expected in expected.items():
        numbers = totals[combination]
        for k, want in enumerate(parts_expected):
            at = panel_sums.WIDTH * k
            got = [numbers[at]] + [
                (numbers[at + 1 + 2 * side] << 32) + numbers[at + 2 + 2 * side] for side in range(4)
            ]
            assert got == want, (combination, k)
            non_dyadic += any(value % (1 << 32) for value in want[1:])
    assert non_dyadic  # the low halves matter: sums of means like 73/35


def test_no_rows_give_no_combinations():
    index = load_index(DEFAULT_VERSION)
    packing = Packing.of(parts(index))
    assert panel_sums.atom_totals(iter(()), packing, len(parts(index))) == ([], [])
