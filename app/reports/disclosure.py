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

from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass

MIN_COMPANIES = 5

Members = Mapping[int, Hashable]  # company id -> the submission it contributes


@dataclass(frozen=True)
class Line:
    total: str
    rows: tuple[str, ...]


@dataclass(frozen=True)
class Earlier:
    """An earlier release: the members of every cell, and the cells it published afresh."""

    members: Mapping[str, Members]
    published: frozenset[str]


def difference(a: Members, b: Members) -> int:
    """Companies that joined, left, or contribute another submission."""
    return sum(1 for company in a.keys() | b.keys() if a.get(company) != b.get(company))


class Changes:
    """How the companies of an earlier release moved to the new one, as counts.

    A *move* is a kind of company: the cells it is in at the earlier release, the cells it is in
    now (either may be empty) and whether it contributes the same submission; with how many
    companies made it. Whatever the rules ask of two releases (how many companies a group of
    cells holds then or now, by how many companies the group changed) is a sum over the moves,
    so the companies themselves are never needed: releases.py has the database count the moves
    (a few thousand kinds, however many companies), the rules' tests build them from member sets
    (``between``).
    """

    def __init__(self, moves: Iterable[tuple[Iterable[str], Iterable[str], bool, int]]):
        self._moves = [(frozenset(t), frozenset(n), same, c) for t, n, same, c in moves]
        self._touching: dict[str, set[int]] = defaultdict(set)
        for i, (then, now, _, _) in enumerate(self._moves):
            for key in then | now:
                self._touching[key].add(i)
        self._measured: dict[frozenset[str], tuple[int, int, int]] = {}

    @classmethod
    def between(cls, now: Mapping[str, Members], then: Mapping[str, Members]) -> Changes:
        companies: dict[int, list] = defaultdict(lambda: [set(), None, set(), None])
        for position, cells in ((0, then), (2, now)):
            for key, members in cells.items():
                for company, submission in members.items():
                    entry = companies[company]
                    entry[position].add(key)
                    entry[position + 1] = submission
        moves = Counter(
            (frozenset(t), frozenset(n), bool(t) and bool(n) and ts == ns)
            for t, ts, n, ns in companies.values()
        )
        return cls((t, n, same, count) for (t, n, same), count in moves.items())

    def _measure(self, group: Iterable[str]) -> tuple[int, int, int]:
        """(companies in the group then, now, and that joined, left or changed submission)."""
        group = frozenset(group)
        if group not in self._measured:
            then_n = now_n = changed = 0
            for i in set().union(*(self._touching.get(key, ()) for key in group)):
                then, now, same, count = self._moves[i]
                was, is_ = not then.isdisjoint(group), not now.isdisjoint(group)
                then_n += count if was else 0
                now_n += count if is_ else 0
                changed += count if was != is_ or (is_ and not same) else 0
            self._measured[group] = (then_n, now_n, changed)
        return self._measured[group]

    def then(self, group: Iterable[str]) -> int:
        return self._measure(group)[0]

    def now(self, group: Iterable[str]) -> int:
        return self._measure(group)[1]

    def difference(self, group: Iterable[str]) -> int:
        """Companies by which the union of ``group`` differs between the two releases."""
        return self._measure(group)[2]


@dataclass(frozen=True)
class Compared:
    """An earlier release as the rules use it: its changes to the new one, and the cells it
    published afresh."""

    changes: Changes
    published: frozenset[str]


def _changed_a_little(changes: Changes, group: Iterable[str], k: int) -> bool:
    return 0 < changes.difference(group) < k


def publishable(
    members: Mapping[str, Members],
    lines: Sequence[Line],
    earlier: Sequence[Earlier] = (),
    k: int = MIN_COMPANIES,
) -> frozenset[str]:
    """The cells of ``members`` that the new release may publish (the rules on member sets)."""
    compared = [Compared(Changes.between(members, e.members), e.published) for e in earlier]
    return decide({key: len(m) for key, m in members.items()}, lines, compared, k)


def decide(
    sizes: Mapping[str, int],
    lines: Sequence[Line],
    earlier: Sequence[Compared] = (),
    k: int = MIN_COMPANIES,
) -> frozenset[str]:
    """The cells (``sizes``: cell -> companies now) that the new release may publish."""
    hidden = {key for key, n in sizes.items() if n < k}
    for key in sizes:
        if key not in hidden and any(
            key in e.published and _changed_a_little(e.changes, {key}, k) for e in earlier
        ):
            hidden.add(key)
    changed = True
    while changed:
        changed = False
        for line in lines:
            extra = _line_breach(line, sizes, hidden, earlier, k)
            if extra is not None:
                hidden.add(extra)
                changed = True
    return frozenset(sizes) - hidden


def _line_breach(
    line: Line,
    sizes: Mapping[str, int],
    hidden: set[str],
    earlier: Sequence[Compared],
    k: int,
) -> str | None:
    """A cell to suppress so that ``line`` keeps its rules, or None when it does."""

    def n(key: str) -> int:
        return sizes.get(key, 0)

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
            if group and _changed_a_little(e.changes, group, k):
                preferred = [r for r in shown_rows if r in group]
                candidates = preferred or shown_rows
                return candidates[0] if candidates else line.total
        # (b) then's hidden group minus rows shown now (or now's minus rows shown then)
        #     isolates the rest of the group plus those rows' changes
        if line.total in e.published:
            then_hidden = [r for r in line.rows if r not in e.published]
            again = [r for r in then_hidden if r in shown_now]
            rest = [r for r in then_hidden if r not in again]
            if again and 0 < e.changes.then(rest) + e.changes.difference(again) < k:
                return min(again, key=lambda r: (n(r), r))
        now_hidden = [r for r in line.rows if r in hidden]
        before = [r for r in now_hidden if r in shown_then]
        rest = [r for r in now_hidden if r not in before]
        if total_shown and before and 0 < e.changes.now(rest) + e.changes.difference(before) < k:
            fresh = [r for r in shown_rows if r not in shown_then]
            candidates = fresh or shown_rows
            return candidates[0] if candidates else line.total
    return None
