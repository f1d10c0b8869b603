"""Peer benchmarks: a company's overall, framework and group means against the companies that
submitted the same fiscal year and index version, in four peer groups (same JSIC division, same
size class, same bureau region, all companies), each as the group's median and the company's
percentile. Read only from report releases, like the bureau reports.

Why this cannot be differenced (the bureau-report design of app/reports/disclosure.py, reused):

- The peer groups ARE cells of the release (``national|i:E``, ``national|s:sme``, ``b:kanto``,
  ``all``), so a group is used only when disclosure.py published it in that release: at least
  k companies, secondary suppression, and the temporal rule (the cell's submissions changed by
  0 or >= k against every earlier release that published it). A carried cell (前回公表値) shows
  the benchmark of the release that published it; a suppressed cell shows nothing.
- On top of that a group needs k OTHER companies besides the one looking (n - 1 >= k), and a
  company's position is withheld when the other companies of the group changed by 1..k-1 against
  an earlier release that published the group: the company knows its own change, so the
  release's rule of ">= k changed" must hold without it.
- Everything is fixed at release time (``benchmark_build.materialise``, called once by
  releases.create_release): per group the median of every measure, per group and measure the
  percentile of each distinct mean among the OTHER members (BenchmarkRank), and per member its
  own means as counted in the release (ReleaseMember.means). A company's position is the rank
  stored for its OWN stored mean: nothing is computed per request from live answers, and the
  reader never looks a rank up at any other value, so a company cannot probe the group by
  editing or reopening (its position moves only when a new release counts its new submission,
  and then only under the rules above). The ranks do describe the group's distribution, as the
  answers they come from do; what keeps it from the pages is that no page, export or API takes
  a score to place, and the only value ever looked up is the one the release stored for the
  company reading. (Releases made before the ranks stored one row per member and group,
  BenchmarkPosition; the reader still reads those.)
- A company reads only the rows stored for itself; an advisor reads exactly what the company
  reads (the same function), only while the company's grant lasts (the pages' access checks).

Known limit (as for any published aggregate): companies that pool their own scores and positions
(or an advisor with grants from all but one member of a group) narrow down the remaining one; k
other companies is the bound the bureau reports accept.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext
from sqlalchemy import bindparam, select, tuple_

from app.extensions import db
from app.models import (
    BenchmarkCell,
    BenchmarkPosition,
    BenchmarkPositionOverride,
    BenchmarkRank,
    ReleaseCell,
    ReleaseMember,
    ReportRelease,
)
from app.reports import cells as C
from app.reports.disclosure import MIN_COMPANIES
from questionnaires import load_index, reference

OVERALL = "overall"


@dataclass(frozen=True)
class PeerKind:
    code: str
    label: str


KINDS = (
    PeerKind("industry", lazy_gettext("同業種")),
    PeerKind("size", lazy_gettext("同規模")),
    PeerKind("region", lazy_gettext("同じ経済産業局")),
    PeerKind("all", lazy_gettext("全企業")),
)


def peer_cells(bureau: str, industry: str, size: str) -> dict[str, str]:
    """Peer kind -> release cell key of a member company (unknown size or region: no group)."""
    cells = {"industry": C.dimension_key(C.NATIONAL, "i", industry)}
    if size != "unknown":
        cells["size"] = C.dimension_key(C.NATIONAL, "s", size)
    if bureau != "unknown":
        cells["region"] = C.bureau_key(bureau)
    cells["all"] = C.ALL
    return cells


def measures(index) -> list[tuple[str, str]]:
    """(measure key, label): overall, every framework, every group of the index."""
    result = [(OVERALL, _("全%(count)s項目", count=len(index.items)))]
    result += [(f"f:{f.id}", f.name) for f in index.frameworks]
    result += [(f"g:{g.id}", f"{g.id} {g.title}") for g in index.groups]
    return result


def share_below(below: int, ties: int, others: int) -> int:
    """Share (0-100, rounded) of ``others`` values below, ``ties`` of them equal (counted half)."""
    return round(100 * (below + ties / 2) / others)


def percentile(value: float, ordered: list[float]) -> int:
    """Share (0-100, rounded) of the OTHER values below ``value``, ties counted half; ``ordered``
    is the sorted group INCLUDING the company's own value once."""
    below = bisect_left(ordered, value)
    ties = bisect_right(ordered, value) - below - 1  # without the company itself
    return share_below(below, ties, len(ordered) - 1)


# ---- reading side ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PeerGroup:
    kind: PeerKind
    name: str  # e.g. the industry or bureau name
    companies: int
    released_at: datetime
    medians: dict[str, float | None]
    percentiles: dict[str, int]


@dataclass(frozen=True)
class Benchmarks:
    measures: list[tuple[str, str]]
    groups: list[PeerGroup]
    counted: bool  # the assessment is counted in a release of its period
    min_companies: int = MIN_COMPANIES  # other companies a group needs (the reports' k)

    @property
    def shown(self) -> bool:
        return bool(self.groups)

    def sources(self) -> list[tuple[datetime, list[str]]]:
        """(release date, labels of the groups read from it), oldest first."""
        by_date: dict[datetime, list[str]] = defaultdict(list)
        for g in self.groups:
            by_date[g.released_at].append(g.kind.label)
        return sorted(by_date.items())


def _group_name(kind: str, key: str) -> str:
    if kind == "industry":
        return reference.jsic_divisions().get(key.rsplit(":", 1)[1], key)
    if kind == "size":
        return dict(C.SIZE_VALUES).get(key.rsplit(":", 1)[1], key)
    if kind == "region":
        return reference.bureau(key.split(":", 1)[1]).name
    return C.NATIONAL_NAME


# The release for_assessment() reads (its id, or NULL), as a scalar subquery a page can add to
# a statement of its own: the results page keys its drawn benchmarks block by it
# (app/assessments/cache.py). A release's stored rows never change once it is made, so a new
# release counting the assessment is a new key. Parameters: bm_company_id, bm_assessment_id,
# bm_fiscal_year, bm_index_version.
COUNTING_RELEASE = (
    select(ReleaseMember.release_id)
    .join(ReportRelease, ReportRelease.id == ReleaseMember.release_id)
    .where(
        ReleaseMember.company_id == bindparam("bm_company_id"),
        ReleaseMember.assessment_id == bindparam("bm_assessment_id"),
        ReportRelease.fiscal_year == bindparam("bm_fiscal_year"),
        ReportRelease.index_version == bindparam("bm_index_version"),
    )
    .order_by(ReleaseMember.release_id.desc())
    .limit(1)
    .scalar_subquery()
)


def counting_release_parameters(assessment) -> dict:
    return {
        "bm_company_id": assessment.company_id,
        "bm_assessment_id": assessment.id,
        "bm_fiscal_year": assessment.fiscal_year,
        "bm_index_version": assessment.index_version,
    }


def for_assessment(assessment) -> Benchmarks:
    """The benchmarks of an assessment from the newest release that counted it. A fixed number
    of small indexed queries; only the company's own stored rows are read."""
    index = load_index(assessment.index_version)
    member = db.session.execute(
        select(ReleaseMember)
        .join(ReportRelease, ReportRelease.id == ReleaseMember.release_id)
        .where(
            ReleaseMember.company_id == assessment.company_id,
            ReleaseMember.assessment_id == assessment.id,
            ReportRelease.fiscal_year == assessment.fiscal_year,
            ReportRelease.index_version == assessment.index_version,
        )
        .order_by(ReleaseMember.release_id.desc())
        .limit(1)
    ).scalar_one_or_none()
    if member is None:
        return Benchmarks(measures(index), [], counted=False)
    cells = peer_cells(member.bureau_code, member.jsic_division, member.size_class)
    sources = {}
    for key, status, source in db.session.execute(
        select(ReleaseCell.cell_key, ReleaseCell.status, ReleaseCell.source_release_id).where(
            ReleaseCell.release_id == member.release_id,
            ReleaseCell.cell_key.in_(list(cells.values())),
        )
    ):
        if status == "published":
            sources[key] = member.release_id
        elif status == "carried" and source is not None:
            sources[key] = source
    if not sources:
        return Benchmarks(measures(index), [], counted=True)
    stored, released = {}, {}
    for cell, released_at in db.session.execute(
        select(BenchmarkCell, ReportRelease.released_at)
        .join(ReportRelease, ReportRelease.id == BenchmarkCell.release_id)
        .where(
            BenchmarkCell.release_id.in_(set(sources.values())),
            BenchmarkCell.cell_key.in_(list(sources)),
        )
    ):
        stored[(cell.release_id, cell.cell_key)] = cell
        released[cell.release_id] = released_at
    wanted = [(source, key) for key, source in sources.items() if (source, key) in stored]
    positions = _positions(assessment, member, wanted, stored, measures(index))
    groups = []
    for kind in KINDS:
        key = cells.get(kind.code)
        source = sources.get(key)
        position = positions.get((source, key))
        if position is None:
            continue  # a group with too few other companies, or a withheld position
        cell = stored[(source, key)]
        groups.append(
            PeerGroup(
                kind,
                _group_name(kind.code, key),
                cell.companies,
                released[source],
                cell.medians,
                position,
            )
        )
    return Benchmarks(measures(index), groups, counted=True)


def _positions(
    assessment, member: ReleaseMember, wanted, cells, measure_list
) -> dict[tuple, dict[str, int]]:
    """(release, group) -> the company's percentiles there, for the ``wanted`` (release, group)
    pairs whose stored benchmark cell is in ``cells``; a pair is left out where the company was
    not a member of the group in that release, or its position is withheld. ``member``: the
    company's row in the newest release (often the only release asked about)."""
    if not wanted:
        return {}
    release_ids = {release_id for release_id, _key in wanted}
    if release_ids == {member.release_id}:
        members = {member.release_id: member}
    else:
        members = {
            m.release_id: m
            for m in db.session.scalars(
                select(ReleaseMember).where(
                    ReleaseMember.release_id.in_(release_ids),
                    ReleaseMember.company_id == assessment.company_id,
                    ReleaseMember.assessment_id == assessment.id,
                )
            )
        }
    # the groups the company belonged to in each release, as that release counted it (every
    # member row here is of this assessment: the newest one's query and this one ask for it)
    wanted = [
        (release_id, key)
        for release_id, key in wanted
        if release_id in members and key in peer_cells(*_facts(members[release_id])).values()
    ]
    legacy = [pair for pair in wanted if members[pair[0]].means is None]
    ranked = [pair for pair in wanted if members[pair[0]].means is not None]
    result = _stored_positions(assessment, legacy)
    if ranked:
        result |= _ranked_positions(assessment.company_id, members, ranked, cells, measure_list)
    return result


def _facts(member: ReleaseMember) -> tuple[str, str, str]:
    return member.bureau_code, member.jsic_division, member.size_class


def _stored_positions(assessment, pairs) -> dict[tuple, dict[str, int]]:
    """Positions of releases made before the ranks: one stored row per member and group."""
    if not pairs:
        return {}
    return {
        (p.release_id, p.cell_key): p.percentiles
        for p in db.session.scalars(
            select(BenchmarkPosition).where(
                BenchmarkPosition.company_id == assessment.company_id,
                BenchmarkPosition.assessment_id == assessment.id,
                tuple_(BenchmarkPosition.release_id, BenchmarkPosition.cell_key).in_(pairs),
            )
        )
    }


def _ranked_positions(
    company_id: int, members, pairs, cells, measure_list
) -> dict[tuple, dict[str, int]]:
    """The ranks stored at the company's own stored means (and only there), less the groups
    where its position is withheld."""
    withheld = {pair: cells[pair].positions_withheld for pair in pairs}
    with_overrides = [pair for pair in pairs if cells[pair].overrides]
    if with_overrides:
        for o in db.session.scalars(
            select(BenchmarkPositionOverride).where(
                BenchmarkPositionOverride.company_id == company_id,
                tuple_(
                    BenchmarkPositionOverride.release_id, BenchmarkPositionOverride.cell_key
                ).in_(with_overrides),
            )
        ):
            withheld[(o.release_id, o.cell_key)] = o.withheld
    # A member's means are listed in the order of its index version's measures; a list of
    # another length cannot be matched with them, so no position is shown from it.
    shown = [
        pair
        for pair in pairs
        if not withheld[pair] and len(members[pair[0]].means) == len(measure_list)
    ]
    result: dict[tuple, dict[str, int]] = {pair: {} for pair in shown}
    lookups = [
        (release_id, key, measure, value)
        for release_id, key in shown
        for (measure, _label), value in zip(measure_list, members[release_id].means, strict=True)
        if value is not None
    ]
    if lookups:
        r = BenchmarkRank
        for release_id, key, measure, percentile in db.session.execute(
            select(r.release_id, r.cell_key, r.measure, r.percentile).where(
                tuple_(r.release_id, r.cell_key, r.measure, r.value).in_(lookups)
            )
        ):
            result[(release_id, key)][measure] = percentile
    return result
