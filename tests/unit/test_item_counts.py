"""The release build's level counts per item (app/reports/item_counts.py) against a plain count
over random members, unanswered levels included (a target counts only where the current level
is answered, as the GROUP BY it replaced took them)."""

import random

import pytest

from app.reports.item_counts import ItemCounter
from app.reports.packing import ItemLevels


class _Index:
    def __init__(self, ids):
        self.items = [type("Item", (), {"id": i})() for i in ids]


@pytest.mark.parametrize("item_count", [35, 1, 7, 40])
def test_counts_equal_a_plain_count(item_count):
    rng = random.Random(item_count)
    items = tuple(f"i{k}" for k in range(item_count))
    packing = ItemLevels.of(_Index(items))
    cells_of = [("all", "b:a"), ("all", "b:b"), ("all", "b:a", "p:1")]
    members = []
    for _ in range(300):
        answers = [
            (i, rng.choice([None, 0, 1, 2, 3, 4, 5]), rng.choice([None, 0, 1, 2, 3, 4, 5]))
            for i in items
        ]
        members.append((rng.choice(cells_of), answers))
    counter = ItemCounter(items)
    expected: dict = {}
    for cells, answers in members:
        words = packing.words(answers)
        counter.add(cells, tuple(words[name] for name in ("cl0", "cl1", "tl0", "tl1")))
        for key in cells:
            for item, current, target in answers:
                slot = expected.setdefault(key, {}).setdefault(item, [0] * 8)
                if current is None:
                    continue
                slot[current] += 1
                if target is not None:
                    slot[6] += target
                    slot[7] += 1
    assert counter.counts(["all", "b:a", "b:b", "p:1", "p:2"]) == expected
    assert set(counter.counts(["b:b"])) == {"b:b"}


def test_an_index_with_more_items_than_the_words_hold_has_no_item_levels():
    assert ItemLevels.of(_Index([f"i{k}" for k in range(41)])) is None
    assert ItemLevels.of(_Index([f"i{k}" for k in range(40)])) is not None


def test_large_counts_are_exact():
    items = ("a", "b", "c", "d", "e")
    packing = ItemLevels.of(_Index(items))
    counter = ItemCounter(items)
    words = packing.words([(i, 5, 5) for i in items])
    for _ in range(1000):
        counter.add(("all",), tuple(words[n] for n in ("cl0", "cl1", "tl0", "tl1")))
    assert counter.counts(["all"])["all"] == {i: [0, 0, 0, 0, 0, 1000, 5000, 1000] for i in items}
