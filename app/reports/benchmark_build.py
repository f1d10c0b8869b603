"""Building the peer benchmarks of a release (called once by releases.create_release; the
design and why it cannot be differenced: app/reports/benchmarks.py).

The release build streams its members once (releases._members_and_means) and hands every
member's means per measure (read from the build's part sums, app/reports/part_sums.py) to
``peer_rows``, which files them under the member's peer groups. Python then counts, per group,
measure and distinct mean, how many members have it, and turns those counts into the medians and
into one stored rank per (group, measure, distinct mean): the percentile a member with that mean
has among the others. A member's position is looked up at read time at its own stored mean
(ReleaseMember.means), so no row per member and group is written. Python also reads the few
members that differ from an earlier release, for the withholding rule.

(The counts were a GROUP BY over a temporary table of one row per member and measure, joined with
one of one row per member and group: ~1.3 M and ~0.4 M rows at 100k companies, 3-4 s of database
time per build. The means are the ones stored on the members, the same floats.)
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache

from sqlalchemy import insert, select

from app.extensions import db
from app.models import (
    BenchmarkCell,
    BenchmarkPositionOverride,
    BenchmarkRank,
    ReleaseCell,
    ReportRelease,
)
from app.reports import cells as C
from app.reports import stats
from app.reports.benchmarks import measures, peer_cells, share_below
from app.reports.bulk import insert_rows
from app.reports.disclosure import MIN_COMPANIES
from questionnaires import load_index


def peer_rows(peers: dict[str, list], member: C.Member, means: tuple) -> None:
    """Add a member's benchmark means (benchmarks.measures order) to each of its peer cells (as
    peer_cells: industry; size and region unless unknown; all): called by the release build for
    every member while it streams them, so no pass over the members or the answers is needed
    here."""
    for key in _peer_keys(member.bureau, member.industry, member.size):
        peers.setdefault(key, []).append(means)


@lru_cache(maxsize=4096)  # a few hundred kinds of members, asked ~100k times a build
def _peer_keys(bureau: str, industry: str, size: str) -> tuple[str, ...]:
    return tuple(peer_cells(bureau, industry, size).values())


def _distribution(rows: list[tuple], measure_count: int) -> list[list[tuple[float, int]]]:
    """Per measure (in order): [(distinct mean, members with it)], ascending; members without a
    mean in the measure (no answer in its items) are not counted."""
    columns = list(zip(*rows, strict=True)) or [()] * measure_count
    return [stats.counted(column) for column in columns]


def _ranks(counted: list[tuple[float, int]]):
    """(value, percentile of a member with that value among the others) for each distinct value;
    the same figure as percentile() over the expanded sorted list."""
    others = sum(count for _value, count in counted) - 1
    below = 0
    for value, count in counted:
        yield value, share_below(below, count - 1, others)
        below += count


@dataclass
class _Withheld:
    """Per group: whether a member's position is withheld by default, and the members for whom
    the rule gives the other answer (company -> withheld)."""

    default: bool = False
    overrides: dict[int, bool] = field(default_factory=dict)


def _withheld(release: ReportRelease, groups, k: int, earlier_changes) -> dict[str, _Withheld]:
    """A member's position is withheld when the OTHER companies of a group changed by 1..k-1
    against an earlier release of the period that published the group (the member knows its
    own change): for a member that did not change, the others changed by ``total``; for one
    that did, by ``total - 1``. Members that changed against no earlier release share the
    group's default; only members that changed are looked at one by one. ``earlier_changes``: per
    earlier release of the period, the companies that differ from this release, each with its
    cells now and then (cell -> submission), as the build's overlays hold them
    (OverlaidCells.changed, app/reports/overlay.py)."""
    earlier_ids = select(ReportRelease.id).where(
        ReportRelease.fiscal_year == release.fiscal_year,
        ReportRelease.index_version == release.index_version,
        ReportRelease.id < release.id,
    )
    published = defaultdict(set)
    for release_id, key in db.session.execute(
        select(ReleaseCell.release_id, ReleaseCell.cell_key).where(
            ReleaseCell.release_id.in_(earlier_ids),
            ReleaseCell.status == "published",
            ReleaseCell.cell_key.in_(list(groups)),
        )
    ):
        published[release_id].add(key)
    events: dict[str, list[tuple[frozenset[int], int]]] = defaultdict(list)
    for earlier_id, keys in sorted(published.items()):
        changes = earlier_changes[earlier_id]
        for key in keys:
            changed = [c for c, (now, then) in changes.items() if now.get(key) != then.get(key)]
            mine = frozenset(c for c in changed if key in changes[c][0])  # still in the group
            events[key].append((mine, len(changed)))
    result = {}
    for key, seen in events.items():
        rule = _Withheld(default=any(0 < total < k for _mine, total in seen))
        for company in frozenset().union(*(mine for mine, _total in seen)):
            withheld = any(
                0 < total - 1 < k if company in mine else 0 < total < k for mine, total in seen
            )
            if withheld != rule.default:
                rule.overrides[company] = withheld
        result[key] = rule
    return result


_RANK_COLUMNS = ("release_id", "cell_key", "measure", "value", "percentile")


def materialise(
    release: ReportRelease, peers: dict[str, list], changes, k: int = MIN_COMPANIES
) -> None:
    """Store the benchmarks of a release (the caller commits): medians of the published peer
    cells with at least k + 1 companies, and the ranks members' positions are read from.
    ``peers``: peer cell key -> its members' means, as ``peer_rows`` filed them; ``changes``:
    earlier release id -> its changed companies (see _withheld)."""
    index = load_index(release.index_version)
    published = set(
        db.session.scalars(
            select(ReleaseCell.cell_key).where(
                ReleaseCell.release_id == release.id, ReleaseCell.status == "published"
            )
        )
    )
    groups = {
        key: len(rows) for key, rows in peers.items() if key in published and len(rows) - 1 >= k
    }
    if not groups:
        return
    keys = [measure for measure, _label in measures(index)]
    cell_rows, ranks = [], []
    for key, n in groups.items():
        medians = {}
        for measure, counted in zip(keys, _distribution(peers[key], len(keys)), strict=True):
            medians[measure] = stats.median_of_counted(counted)
            if sum(count for _value, count in counted) - 1 >= k:
                ranks += [(release.id, key, measure, value, pct) for value, pct in _ranks(counted)]
        cell_rows.append(
            {"release_id": release.id, "cell_key": key, "companies": n, "medians": medians}
        )
    withheld = _withheld(release, groups, k, changes)
    for row in cell_rows:
        rule = withheld.get(row["cell_key"], _Withheld())
        row |= {"positions_withheld": rule.default, "overrides": len(rule.overrides)}
    db.session.execute(insert(BenchmarkCell), cell_rows)
    # tens of thousands of rows at national scale: COPY on PostgreSQL (floats written exactly,
    # as the lookups by a member's own mean need)
    insert_rows(BenchmarkRank.__table__, _RANK_COLUMNS, ranks)
    overrides = [
        {"release_id": release.id, "cell_key": key, "company_id": company, "withheld": value}
        for key, rule in withheld.items()
        for company, value in rule.overrides.items()
    ]
    if overrides:
        db.session.execute(insert(BenchmarkPositionOverride), overrides)
