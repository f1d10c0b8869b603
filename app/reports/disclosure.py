"""Which cells of a new report release may be published: disclosure control across tables,
accounts and time. Pure Python (no Flask, no SQLAlchemy), so the rules are tested on plain sets.

Design (statistical disclosure control, after the cell-suppression practice of official
statistics, e.g. the Eurostat/Statistics Netherlands τ-ARGUS handbook):

1. Figures are published as dated **releases**, never live. A release is computed once, from
   the submitted assessments at release time, and stored; pages and downloads read only stored
   releases, so repeated downloads return the same figures and a new submission changes nothing
   until the next release.
2. **Cells** are sets of companies: the nation, each bureau, each prefecture, and, within the
   nation and each bureau, each industry division, size class and first/repeat submitter. A
   company contributes to a cell with one *submission* (assessment id and its version counter,
   which moves on every submit and reopen), so a reopen-and-resubmit counts as a change.
3. **Primary suppression**: a cell of fewer than ``k`` (5) companies is not published.
4. **Time**: a cell is published only if its set of submissions differs from the set behind
   every earlier release of the same fiscal year and index version in which it was published by
   0 or by at least ``k`` companies (added, removed or resubmitted). Otherwise the earlier value
   is shown again, marked 前回公表値 (it adds nothing that was not already public).
5. **Lines** (``Line``): a total and the rows that partition it (bureau = its prefectures; the
   nation = its bureaus; a scope = its industries / size classes / submitter kinds; the nation's
   industry E = every bureau's industry E). In every line, after suppression:
   - if the total is published, the unpublished non-empty rows are none, or at least two holding
     at least ``k`` companies together (so total minus the shown rows isolates nobody);
   - if the total is not published, at least one non-empty row is not published either (else the
     rows would add up to it);
   - the union of the rows unpublished in this release or in an earlier one, whose sum is
     derivable in both (total minus the shown rows), changed by 0 or at least ``k`` companies;
   - the hidden group of one release minus rows of it shown in the other release (an earlier
     total is still public, carried or not) leaves 0 or at least ``k`` companies: the rest of
     the group plus the companies by which the shown rows changed in between.
   A line that breaks a rule gets one more cell suppressed (the smallest shown row, preferring
   rows of the failing group), and all lines are checked again until none breaks a rule
   (complementary or secondary suppression). Every account reads the same stored cells, so a
   bureau account and the national account see the same rows published or suppressed.

Known limit, as with τ-ARGUS's hypercube method: each line is protected on its own; a linear
system over several lines with two or more unknowns each is not audited exactly. With one-way
tables only (no cross tables of two attributes), that is the usual accepted level.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from app.reports.overlay import ABSENT, OverlaidCells, Overlay

MIN_COMPANIES = 5

Members = Mapping[int, Hashable]  # company id -> the submission it contributes


@dataclass(frozen=True)
class Line:
    """A total and the rows that partition it: no company is in two rows (each has one
    prefecture, one bureau, one industry, …), so a union of rows has the sum of their sizes."""

    total: str
    rows: tuple[str, ...]


@dataclass(frozen=True)
class Earlier:
    """An earlier release: the members of every cell, and the cells it published afresh."""

    members: Mapping[str, Members]
    published: frozenset[str]


def difference(a: Members, b: Members, stop: int | None = None) -> int:
    """Companies that joined, left, or contribute another submission (the (company,
    submission) pairs in one and not the other, counted once per company). With ``stop``, the
    count may end early at any value >= ``stop`` once it is sure to reach it (callers that only
    compare it with k need no more).

    One pass over ``a`` with look-ups in ``b``: companies only in ``b`` are counted from the
    sizes (len(b) minus the companies of ``a`` found in it), so no set of pairs is built."""
    if isinstance(b, Overlay) and b.base is a:
        return _overlay_difference(a, b.changes, stop)
    if isinstance(a, Overlay) and a.base is b:
        return _overlay_difference(b, a.changes, stop)
    if stop is not None and abs(len(a) - len(b)) >= stop:
        return abs(len(a) - len(b))  # that many joined or left at least
    changed = only_a = 0
    get = b.get
    for company, submission in a.items():
        theirs = get(company, ABSENT)
        if theirs is ABSENT:
            only_a += 1
        elif theirs != submission:
            changed += 1
        else:
            continue
        if stop is not None and changed + only_a >= stop:
            return changed + only_a
    only_b = len(b) - (len(a) - only_a)
    return changed + only_a + only_b


def _overlay_difference(base: Members, changes: Mapping, stop: int | None) -> int:
    """difference(base, Overlay(base, changes)): only the companies in ``changes`` can differ."""
    changed = 0
    get = base.get
    for company, then in changes.items():
        if get(company, ABSENT) != then:
            changed += 1
            if stop is not None and changed >= stop:
                break
    return changed


def _group_difference(cells, members, other, stop: int | None = None) -> int:
    """difference(_union(cells, members), _union(cells, other), stop): when one side is an
    earlier release told by its changes against the other (app/reports/overlay.py), only the
    changed companies of the cells are looked at, and no union is built."""
    if isinstance(other, OverlaidCells) and other.now is members:
        return _overlaid_group_difference(list(cells), members, other, stop)
    if isinstance(members, OverlaidCells) and members.now is other:
        return _overlaid_group_difference(list(cells), other, members, stop)
    return difference(_union(cells, members), _union(cells, other), stop=stop)


def _overlaid_group_difference(cells, now, then: OverlaidCells, stop: int | None) -> int:
    companies = set()
    for key in cells:
        if key in then:
            companies.update(then[key].changes)
    changed = 0
    for company in companies:
        # a company's submission in a union: the last cell's that has it (as dict.update)
        mine_now = mine_then = ABSENT
        for key in cells:
            mine_now = now.get(key, {}).get(company, mine_now)
            if key in then:
                mine_then = then[key].get(company, mine_then)
        if mine_now != mine_then:
            changed += 1
            if stop is not None and changed >= stop:
                break
    return changed


def _union(cells: Iterable[str], members: Mapping[str, Members]) -> dict[int, Hashable]:
    merged: dict[int, Hashable] = {}
    for key in cells:
        merged.update(members.get(key, {}))
    return merged


def changed_a_little(a: Members, b: Members, k: int = MIN_COMPANIES) -> bool:
    """Whether 1..k-1 companies differ between ``a`` and ``b``."""
    return 0 < difference(a, b, stop=k) < k


def publishable(
    members: Mapping[str, Members],
    lines: Sequence[Line],
    earlier: Sequence[Earlier] = (),
    k: int = MIN_COMPANIES,
    forced: Iterable[str] = (),
) -> frozenset[str]:
    """The cells of ``members`` that the new release may publish; ``forced`` cells are never
    published (a later pass over sub-cells keeps an earlier pass's decisions)."""
    hidden = {key for key, m in members.items() if len(m) < k} | set(forced)
    for key, m in members.items():
        if key not in hidden and any(
            key in e.published and changed_a_little(m, e.members.get(key, {}), k) for e in earlier
        ):
            hidden.add(key)
    changed = True
    while changed:
        changed = False
        for line in lines:
            extra = _line_breach(line, members, hidden, earlier, k)
            if extra is not None:
                hidden.add(extra)
                changed = True
    return frozenset(members) - hidden


def _line_breach(
    line: Line,
    members: Mapping[str, Members],
    hidden: set[str],
    earlier: Sequence[Earlier],
    k: int,
) -> str | None:
    """A cell to suppress so that ``line`` keeps its rules, or None when it does."""

    def n(key: str) -> int:
        return len(members.get(key, {}))

    hidden_rows = [r for r in line.rows if r in hidden and n(r) > 0]
    shown_rows = sorted(
        (r for r in line.rows if r not in hidden and n(r) > 0), key=lambda r: (n(r), r)
    )
    total_shown = line.total not in hidden
    if not total_shown:
        # The rows must not add up to the hidden total.
        if n(line.total) > 0 and not hidden_rows and shown_rows:
            return shown_rows[0]
    elif hidden_rows and (len(hidden_rows) < 2 or sum(n(r) for r in hidden_rows) < k):
        return shown_rows[0] if shown_rows else line.total
    for e in earlier:
        shown_then = {r for r in line.rows if r in e.published}
        shown_now = {r for r in line.rows if r not in hidden and n(r) > 0}
        # (a) the hidden group of then and of now, both derivable: their union changed little
        if total_shown and line.total in e.published:
            group = {r for r in line.rows if r in hidden or r not in e.published}
            if group and 0 < _group_difference(group, members, e.members, k) < k:
                preferred = [r for r in shown_rows if r in group]
                candidates = preferred or shown_rows
                return candidates[0] if candidates else line.total
        # (b) then's hidden group minus rows shown now (or now's minus rows shown then)
        #     isolates the rest of the group plus those rows' changes
        if line.total in e.published:
            then_hidden = [r for r in line.rows if r not in e.published]
            again = [r for r in then_hidden if r in shown_now]
            if again and _isolates_few(then_hidden, again, e.members, members, k):
                return min(again, key=lambda r: (n(r), r))
        now_hidden = [r for r in line.rows if r in hidden]
        before = [r for r in now_hidden if r in shown_then]
        if total_shown and before and _isolates_few(now_hidden, before, members, e.members, k):
            fresh = [r for r in shown_rows if r not in shown_then]
            candidates = fresh or shown_rows
            return candidates[0] if candidates else line.total
    return None


def _isolates_few(group, known, group_members, known_members, k: int) -> bool:
    """Whether the sum of ``group`` (in one release) minus the rows ``known`` (taken from the
    other release) isolates between 1 and k - 1 companies: the rest of the group plus the
    companies by which the known rows differ between the two releases."""
    rest = [r for r in group if r not in known]
    rest_size = sum(len(group_members.get(key, {})) for key in rest)  # disjoint rows (Line)
    isolated = rest_size + _group_difference(known, group_members, known_members, k)
    return 0 < isolated < k
