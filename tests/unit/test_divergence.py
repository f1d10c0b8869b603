"""scoring/divergence.py against an example worked out by hand.

Items A1, A2 (group F1) and B1 (group F2); participants p1 (executive), p2 and p3 (it):

    item  p1 exec  p2 it  p3 it   spread
    A1    1        3      4       4-1 = 3
    A2    2        2      -       2-2 = 0
    B1    0        4      2       4-0 = 4

group means: F1 exec (1+2)/2 = 1.5, F1 it (3+4+2)/3 = 3; F2 exec 0/1 = 0, F2 it (4+2)/2 = 3.
"""

from fractions import Fraction

from scoring.divergence import (
    ItemSpread,
    View,
    cell_means,
    group_means,
    item_spreads,
    spread_changes,
    widest_first,
    widest_gaps,
)

ITEMS = ("A1", "A2", "B1")
GROUP_OF = {"A1": "F1", "A2": "F1", "B1": "F2"}
LEVELS = {
    ("p1", "executive"): {"A1": 1, "A2": 2, "B1": 0},
    ("p2", "it"): {"A1": 3, "A2": 2, "B1": 4},
    ("p3", "it"): {"A1": 4, "A2": None, "B1": 2},
}
VIEWS = [
    View(who, perspective, item, current, None)
    for (who, perspective), row in LEVELS.items()
    for item, current in row.items()
]


def test_spreads_by_item():
    spreads = item_spreads(VIEWS, ITEMS)
    assert {i: s.spread for i, s in spreads.items()} == {"A1": 3, "A2": 0, "B1": 4}
    assert (spreads["A2"].count, spreads["B1"].low, spreads["B1"].high) == (2, 0, 4)


def test_widest_spread_first_then_index_order():
    order = [s.item_id for s in widest_first(item_spreads(VIEWS, ITEMS))]
    assert order == ["B1", "A1", "A2"]
    # one view (no spread) and none at all go last, in index order
    lone = item_spreads([View("p1", "it", "A2", 3, 3)], ITEMS)
    assert [s.item_id for s in widest_first(lone)] == ["A1", "A2", "B1"]
    assert lone["A2"].spread is None


def test_heat_map_cells_are_means_per_perspective():
    cells = cell_means(VIEWS)
    assert cells["A1", "it"] == Fraction(7, 2)
    assert cells["A1", "executive"] == 1
    assert cells["B1", "it"] == 3
    assert ("A2", "it") in cells and cells["A2", "it"] == 2  # p3 left A2 open


def test_group_means_and_widest_gap_per_group():
    means = group_means(VIEWS, GROUP_OF)
    assert means == {
        ("F1", "executive"): Fraction(3, 2),
        ("F1", "it"): Fraction(3),
        ("F2", "executive"): Fraction(0),
        ("F2", "it"): Fraction(3),
    }
    gaps = widest_gaps(means, ["F1", "F2"], ["executive", "business", "dx", "it", "other"])
    assert [(g.group, g.high, g.low, g.difference) for g in gaps] == [
        ("F1", "it", "executive", Fraction(3, 2)),
        ("F2", "it", "executive", Fraction(3)),
    ]


def test_no_gap_when_one_perspective_or_all_agree():
    one = group_means([v for v in VIEWS if v.perspective == "it"], GROUP_OF)
    assert widest_gaps(one, ["F1", "F2"], ["executive", "it"]) == []
    same = {("F1", "executive"): Fraction(2), ("F1", "it"): Fraction(2)}
    assert widest_gaps(same, ["F1"], ["executive", "it"]) == []


def test_spread_this_year_beside_last_year_for_items_in_both():
    now = item_spreads(VIEWS, ITEMS)
    before = {
        "A1": ItemSpread("A1", 1, 1, 2),  # agreed last year, apart now
        "B1": ItemSpread("B1", 0, 5, 2),  # far apart last year
        "Z9": ItemSpread("Z9", 0, 5, 2),  # not in this year's version
    }
    changes = spread_changes(now, before)
    assert [(c.item_id, c.before, c.now) for c in changes] == [("A1", 0, 3), ("B1", 5, 4)]


def test_persisted_keeps_items_wide_apart_in_both_years():
    from scoring.divergence import SpreadChange, persisted

    changes = [
        SpreadChange("1", 4, 2),  # still 2 apart: persisted
        SpreadChange("2", 3, 0),  # agreed this year
        SpreadChange("3", 1, 3),  # new disagreement
        SpreadChange("4", None, 5),  # not rated by two last year
    ]
    assert [c.item_id for c in persisted(changes)] == ["1"]
    assert [c.item_id for c in persisted(changes, threshold=1)] == ["1", "3"]
