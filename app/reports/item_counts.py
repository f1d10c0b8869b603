"""Level counts per item of the release's cells, counted while the build streams its members.

A cell's item figures need, per item, how many of its companies answered each level 0..5, and
the sum and count of their target levels (only where the current level is answered, as the
figures always took them). These were a GROUP BY over the members joined with their ~35 answer
rows each (3.5 M rows at 100k companies, ~5 s of database time per build). Now every member
brings its items' levels as four words (app/reports/packing.py, ItemLevels: 3 bits per item),
read with its part sums, and Python adds them up:

- A word is cut into chunks of 4 items (12 bits). Each distinct chunk value is turned once into
  a "spread" integer: one field per (item, level) holding 1 where the item is at that level,
  then per item a field with its target level and one with 1 if it has a target. Fields are
  wide enough for the number of assessments of the build, so adding spreads never carries from
  one field into the next, and the sum is the exact concatenation of the counts.
- Members are summed per combination of cells (C.cells_of: a few thousand kinds), one add per
  chunk; the combinations are then summed per cell and the fields read back.

The same integers as the GROUP BY gave, so the same figures.
"""

from __future__ import annotations

from app.reports.packing import ITEMS_PER_WORD, LEVEL_WORDS

_CHUNK = 4  # items per look-up
_CHUNK_BITS = 3 * _CHUNK
_CHUNK_MASK = (1 << _CHUNK_BITS) - 1
assert ITEMS_PER_WORD % _CHUNK == 0  # no chunk spans two words
# per chunk value: 0b111 over every item whose current level is answered (field not 0), so that
# ``target & _ANSWERED[current]`` keeps only the targets the counts take
_ANSWERED = [
    sum(0b111 << (3 * q) for q in range(_CHUNK) if (value >> (3 * q)) & 0b111)
    for value in range(1 << _CHUNK_BITS)
]


class ItemCounter:
    def __init__(self, items: tuple[str, ...], assessments: int):
        """``items``: the index's items in order (as ItemLevels packs them); ``assessments``: at
        least the number of members any cell can have."""
        self.items = items
        self.width = max(1, assessments).bit_length()
        self.positions = []  # (word, shift in the word, items of the chunk)
        for start in range(0, len(items), _CHUNK):
            word, first = divmod(start, ITEMS_PER_WORD)
            n = min(_CHUNK, len(items) - start, ITEMS_PER_WORD - first)
            self.positions.append((word, 3 * first, n))
        assert all(w < LEVEL_WORDS for w, _shift, _n in self.positions)
        self._current = [{} for _ in self.positions]  # chunk value -> its spread
        self._target = [{} for _ in self.positions]
        self._plan = list(zip(self.positions, self._current, self._target, strict=True))
        self.combinations: dict[tuple[str, ...], list[int]] = {}

    # field offsets of a chunk of n items: 6 level counts per item, then target sums (3 bits
    # wider: up to 5 x the count), then target counts
    def _level_field(self, q: int, level: int) -> int:
        return (6 * q + level) * self.width

    def _target_sum_field(self, n: int, q: int) -> int:
        return 6 * n * self.width + q * (self.width + 3)

    def _target_count_field(self, n: int, q: int) -> int:
        return 6 * n * self.width + n * (self.width + 3) + q * self.width

    def _spread_current(self, n: int, value: int) -> int:
        spread = 0
        for q in range(n):
            field = (value >> (3 * q)) & 0b111
            if field:
                spread += 1 << self._level_field(q, field - 1)
        return spread

    def _spread_target(self, n: int, value: int) -> int:
        spread = 0
        for q in range(n):
            field = (value >> (3 * q)) & 0b111
            if field:
                spread += (field - 1) << self._target_sum_field(n, q)
                spread += 1 << self._target_count_field(n, q)
        return spread

    def add(self, cells: tuple[str, ...], words) -> None:
        """One member: its cells and its four words (current words, then target words)."""
        slots = self.combinations.get(cells)
        if slots is None:
            slots = self.combinations[cells] = [0] * len(self.positions)
        for p, ((word, shift, n), currents, targets) in enumerate(self._plan):
            current = (words[word] >> shift) & _CHUNK_MASK
            target = (words[LEVEL_WORDS + word] >> shift) & _ANSWERED[current]  # 12 bits
            spread = currents.get(current)
            if spread is None:
                spread = currents[current] = self._spread_current(n, current)
            target_spread = targets.get(target)
            if target_spread is None:
                target_spread = targets[target] = self._spread_target(n, target)
            slots[p] += spread + target_spread

    def counts(self, keys) -> dict[str, dict[str, list[int]]]:
        """Cell key -> item -> [companies at level 0..5, sum of targets, count of targets], for
        the cells of ``keys`` that have members."""
        wanted = set(keys)
        cells: dict[str, list[int]] = {}
        for combination, slots in self.combinations.items():
            for key in combination:
                if key not in wanted:
                    continue
                total = cells.get(key)
                if total is None:
                    cells[key] = list(slots)
                else:
                    for p, value in enumerate(slots):
                        total[p] += value
        return {key: self._read(slots) for key, slots in cells.items()}

    def _read(self, slots: list[int]) -> dict[str, list[int]]:
        mask, wide = (1 << self.width) - 1, (1 << (self.width + 3)) - 1
        result = {}
        start = 0
        for (_word, _shift, n), value in zip(self.positions, slots, strict=True):
            for q in range(n):
                counts = [(value >> self._level_field(q, level)) & mask for level in range(6)]
                counts.append((value >> self._target_sum_field(n, q)) & wide)
                counts.append((value >> self._target_count_field(n, q)) & mask)
                result[self.items[start + q]] = counts
            start += n
        return result
