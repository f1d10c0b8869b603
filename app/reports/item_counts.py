"""Level counts per item of the release's cells, counted from the members the build streams.

A cell's item figures need, per item, how many of its companies answered each level 0..5, and
the sum and count of their target levels (only where the current level is answered, as the
figures always took them). These were a GROUP BY over the members joined with their ~35 answer
rows each (3.5 M rows at 100k companies, ~5 s of database time per build). Now every member
brings its items' levels as four words (app/reports/packing.py, ItemLevels: 3 bits per item,
level + 1, 0 for no answer), read with its part sums:

- ``add`` only files a member's words and the number of its combination of cells (C.cells_of:
  a few thousand kinds) in flat integer arrays;
- ``counts`` takes each item's 3-bit field out of every member's word at once (numpy) and
  counts per combination with ``bincount``, then adds up the combinations of each cell.

Integer counts throughout (target sums as float64 bincount weights are exact below 2**53), so
the same integers as the GROUP BY gave, and the same figures.
"""

from __future__ import annotations

from array import array
from collections import defaultdict

from app.reports.packing import ITEMS_PER_WORD, LEVEL_WORDS

_WORDS = 2 * LEVEL_WORDS  # a member's current words, then its target words


class ItemCounter:
    def __init__(self, items: tuple[str, ...]):
        """``items``: the index's items in order (as ItemLevels packs them)."""
        assert len(items) <= LEVEL_WORDS * ITEMS_PER_WORD
        self.items = items
        self.combinations: dict[tuple[str, ...], int] = {}  # cells -> combination number
        self._combination_of = array("q")  # per member
        self._words = array("q")  # _WORDS per member

    def add(self, cells: tuple[str, ...], words) -> None:
        """One member: its cells and its four words (current words, then target words)."""
        number = self.combinations.get(cells)
        if number is None:
            number = self.combinations[cells] = len(self.combinations)
        self._combination_of.append(number)
        self._words.extend(words)

    def counts(self, keys) -> dict[str, dict[str, list[int]]]:
        """Cell key -> item -> [companies at level 0..5, sum of targets, count of targets], for
        the cells of ``keys`` that have members."""
        per_combination = self._per_combination()
        wanted = set(keys)
        numbers: dict[str, list[int]] = defaultdict(list)
        for combination, number in self.combinations.items():
            for key in combination:
                if key in wanted:
                    numbers[key].append(number)
        result = {}
        for key, mine in numbers.items():
            totals = per_combination[mine].sum(axis=0).tolist()
            result[key] = dict(zip(self.items, totals, strict=True))
        return result

    def _per_combination(self):
        """Array [combination, item, 8]: counts at levels 0..5, target sum, target count."""
        import numpy as np  # here: only a release build counts; web workers never load numpy

        n = len(self.combinations)
        combination = np.frombuffer(self._combination_of, dtype=np.int64)
        words = np.frombuffer(self._words, dtype=np.int64).reshape(-1, _WORDS)
        result = np.zeros((n, len(self.items), 8), dtype=np.int64)
        for i in range(len(self.items)):
            word, q = divmod(i, ITEMS_PER_WORD)
            current = (words[:, word] >> (3 * q)) & 0b111
            target = (words[:, LEVEL_WORDS + word] >> (3 * q)) & 0b111
            levels = np.bincount(combination * 8 + current, minlength=n * 8).reshape(n, 8)
            result[:, i, :6] = levels[:, 1:7]  # field 0: not answered
            counted = (current > 0) & (target > 0)  # a target where the current is answered
            sums = np.bincount(combination, weights=np.where(counted, target - 1, 0), minlength=n)
            result[:, i, 6] = sums.astype(np.int64)
            result[:, i, 7] = np.bincount(combination, weights=counted, minlength=n)
        return result
