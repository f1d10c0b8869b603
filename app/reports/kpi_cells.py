"""The quantitative indicator sub-cells of a release (app/reports/kpi_figures.py), built from the
companies that chose an indicator instead of by walking every main cell once per example.

For an example X and a main cell C: ``kpi:X|C`` holds the companies of C that chose X, each as
its status; ``kpinot:X|C`` the rest of C, each as its submission. At national scale C holds up
to ~100k companies and there are 23 examples, while a few per cent of the companies chose any
one example: so a kpi cell is filled from the choosers' own cells, and a kpinot cell is a view of
C without its kpi cell (``Without``), never a copy.

An earlier release of the same period gets its sub-cells the way app/reports/overlay.py gives
its main cells: as the new release's cells plus the companies that differ (their main cells
changed, or their status for X did), so that app/reports/disclosure.py compares only those.

Pure Python (no Flask, no SQLAlchemy), like disclosure.py and overlay.py.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from app.reports.overlay import Entries, OverlaidCells, Overlay, cell_changes

_NOTHING: Mapping = MappingProxyType({})  # handed out as cells and changes: never written to


def kpi_key(example: str, cell: str) -> str:
    return f"kpi:{example}|{cell}"


def rest_key(example: str, cell: str) -> str:
    return f"kpinot:{example}|{cell}"


@dataclass(frozen=True, slots=True)
class Chooser:
    """A counted company with at least one indicator: its main cells, its submission, and
    example -> its (least favourable) status."""

    cells: tuple[str, ...]
    submission: Hashable
    statuses: dict[str, str]


class Without(Mapping):
    """The members of ``whole`` that are not in ``part`` (a subset of it), as a view."""

    __slots__ = ("whole", "part")

    def __init__(self, whole: Mapping, part: Mapping):
        self.whole, self.part = whole, part

    def __getitem__(self, company):
        if company in self.part:
            raise KeyError(company)
        return self.whole[company]

    def get(self, company, default=None):
        return default if company in self.part else self.whole.get(company, default)

    def __contains__(self, company) -> bool:
        return company not in self.part and company in self.whole

    def __len__(self) -> int:
        return len(self.whole) - len(self.part)

    def __iter__(self) -> Iterator:
        part = self.part
        return (company for company in self.whole if company not in part)


def chosen_cells(
    choosers: Mapping[int, Chooser], keys: frozenset[str]
) -> dict[str, dict[str, dict[int, str]]]:
    """Example -> main cell (of ``keys``) -> its companies that chose the example -> status."""
    result: dict[str, dict[str, dict[int, str]]] = {}
    for company, chooser in choosers.items():
        cells = [key for key in chooser.cells if key in keys]
        for example, status in chooser.statuses.items():
            per_cell = result.setdefault(example, {})
            for key in cells:
                per_cell.setdefault(key, {})[company] = status
    return result


def sub_cells(example: str, keys, main: Mapping[str, Mapping], chosen) -> dict[str, Mapping]:
    """The kpi and kpinot cells of ``example`` under every main cell of ``keys``; ``chosen``:
    main cell -> its companies that chose the example (chosen_cells(...)[example])."""
    result: dict[str, Mapping] = {}
    for key in keys:
        part = chosen.get(key) or {}
        result[kpi_key(example, key)] = part
        result[rest_key(example, key)] = Without(main.get(key, _NOTHING), part)
    return result


def overlaid_sub_cells(
    members: Mapping[str, Mapping],
    example: str,
    keys: frozenset[str],
    main_then: OverlaidCells,
    now: Mapping[int, Chooser],
    then: Mapping[int, Chooser],
    special: set[int],
) -> OverlaidCells:
    """An earlier release's main and sub-cells of ``example``, told against ``members`` (the new
    release's main cells with sub_cells(example, ...)).

    ``main_then``: the earlier release's main cells, told against the new release's (their
    overlays are taken as they are); ``now``, ``then``: the two releases' choosers;
    ``special``: the companies that chose ``example`` in either release and whose main cells
    or status for it differ between the two (any superset will do: special_companies gives
    one). Any other company whose main cells differ chose the example in neither, so its
    kpinot changes are its main changes; any other company at all is in the same main cells,
    with the same status or none, in both, so in the same sub-cells too."""
    changed = main_then.changed
    sub_changed: dict[int, tuple[Entries, Entries]] = {}
    for company in special:
        if company in changed:
            mine_now, mine_then = changed[company]
        else:
            chooser = now.get(company) or then[company]
            mine_now = mine_then = dict.fromkeys(chooser.cells, chooser.submission)
        sub_changed[company] = (
            _sub_entries(mine_now, example, _status(now, company, example), keys),
            _sub_entries(mine_then, example, _status(then, company, example), keys),
        )
    per_cell = cell_changes(sub_changed)
    cells = dict(main_then)
    for key in keys:
        kpi, rest = kpi_key(example, key), rest_key(example, key)
        cells[kpi] = Overlay(members[kpi], per_cell.get(kpi, _NOTHING))
        main_changes = main_then[key].changes if key in main_then else _NOTHING
        own = per_cell.get(rest)
        if own is None and special.isdisjoint(main_changes):
            rest_changes = main_changes  # shared, never written to
        else:
            rest_changes = {c: v for c, v in main_changes.items() if c not in special}
            rest_changes.update(own or _NOTHING)
        cells[rest] = Overlay(members[rest], rest_changes)
    return OverlaidCells.of_overlays(members, cells)


def special_companies(
    now: Mapping[int, Chooser], then: Mapping[int, Chooser], moved: Mapping[int, object]
) -> dict[str, set[int]]:
    """Example -> the ``special`` companies of overlaid_sub_cells: those that chose it in
    either release and whose statuses differ between the two or that are in ``moved`` (the
    companies whose main cells differ)."""
    result: dict[str, set[int]] = {}
    for company in now.keys() | then.keys():
        statuses_now = now[company].statuses if company in now else _NOTHING
        statuses_then = then[company].statuses if company in then else _NOTHING
        if statuses_now != statuses_then or company in moved:
            for example in statuses_now.keys() | statuses_then.keys():
                result.setdefault(example, set()).add(company)
    return result


def _status(choosers: Mapping[int, Chooser], company: int, example: str) -> str | None:
    chooser = choosers.get(company)
    return None if chooser is None else chooser.statuses.get(example)


def _sub_entries(main: Entries, example: str, status: str | None, keys: frozenset[str]):
    """A company's entries in the example's sub-cells, from its main entries."""
    if status is None:
        return {rest_key(example, key): sub for key, sub in main.items() if key in keys}
    return {kpi_key(example, key): status for key in main if key in keys}
