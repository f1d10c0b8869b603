"""An earlier release's cell members told by how they differ from the new release's.

A rebuild of a release compares its cells with every earlier release of the period
(app/reports/disclosure.py). Between two releases only the companies that submitted, reopened,
left or moved in between differ (at 100k companies, ~1,500 a day of resubmissions); reading each
earlier release's ~100k members and filing them under their ~13 cells took about a second per
earlier release, and comparing two cells walked both. An ``Overlay`` is an earlier release's cell
as the new release's cell (its ``base``, shared, not copied) plus the companies that differ;
``OverlaidCells`` is every cell of that release so. disclosure.difference then counts only the
differing companies when one side is the other's base.

Pure Python (no Flask, no SQLAlchemy), like app/reports/disclosure.py.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator, Mapping

ABSENT = object()  # in ``changes``: the company is not a member of the earlier cell

Entries = Mapping[str, Hashable]  # one company's cells -> the submission it contributes there


class Overlay(Mapping):
    """An earlier cell: ``base`` (the new release's same cell) with ``changes`` (company -> its
    submission then, or ABSENT) for the companies that differ. A Mapping like any cell's
    members (company -> submission)."""

    __slots__ = ("base", "changes", "_len")

    def __init__(self, base: Mapping, changes: dict):
        self.base, self.changes = base, changes
        size = len(base)
        for company, then in changes.items():
            size += (then is not ABSENT) - (company in base)
        self._len = size

    def __getitem__(self, company):
        then = self.changes.get(company, self.base.get(company, ABSENT))
        if then is ABSENT:
            raise KeyError(company)
        return then

    def get(self, company, default=None):
        then = self.changes.get(company, self.base.get(company, ABSENT))
        return default if then is ABSENT else then

    def __contains__(self, company) -> bool:
        return self.get(company, ABSENT) is not ABSENT

    def __len__(self) -> int:
        return self._len

    def __iter__(self) -> Iterator:
        changes = self.changes
        for company in self.base:
            if company not in changes:
                yield company
        for company, then in changes.items():
            if then is not ABSENT:
                yield company


def cell_changes(changed: Mapping[int, tuple[Entries, Entries]]) -> dict[str, dict]:
    """Cell -> company -> its submission then (ABSENT: not a member then), for the companies of
    ``changed`` (company -> its entries now, then) whose membership of the cell differs."""
    per_cell: dict[str, dict] = {}
    for company, (mine_now, mine_then) in changed.items():
        for key, submission in mine_then.items():
            if mine_now.get(key, ABSENT) != submission:
                per_cell.setdefault(key, {})[company] = submission
        for key in mine_now:
            if key not in mine_then:
                per_cell.setdefault(key, {})[company] = ABSENT
    return per_cell


class OverlaidCells(Mapping):
    """Every cell of an earlier release (cell key -> Overlay), from the new release's cells
    ``now`` and the companies that differ: ``changed`` maps each to (its entries now, its
    entries then), an entry being a cell it is a member of and its submission there (none
    where it is not a member). Every cell key of ``now`` is a key. ``changed`` is kept (None
    when made by ``of_overlays``)."""

    def __init__(self, now: Mapping[str, Mapping], changed: Mapping[int, tuple[Entries, Entries]]):
        self.now = now
        per_cell = cell_changes(changed)
        self.changed: Mapping[int, tuple[Entries, Entries]] | None = changed
        self._cells = {key: Overlay(now.get(key, {}), per_cell.get(key, {})) for key in now}
        for key in per_cell.keys() - self._cells.keys():
            self._cells[key] = Overlay({}, per_cell[key])

    @classmethod
    def of_overlays(cls, now: Mapping[str, Mapping], cells: dict[str, Overlay]) -> OverlaidCells:
        """From overlays made elsewhere, each against the cell of ``now`` under its key (and
        every key of ``now`` among them); ``changed`` is not known then (None)."""
        if not now.keys() <= cells.keys():  # disclosure would miss the companies of the rest
            raise ValueError("an overlay for every cell of the new release is needed")
        self = cls.__new__(cls)
        self.now, self.changed, self._cells = now, None, cells
        return self

    def __getitem__(self, key: str) -> Overlay:
        return self._cells[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._cells)

    def __len__(self) -> int:
        return len(self._cells)
