"""Quantitative indicators (定量指標) in a release: per example indicator of the release's index
version (own indicators together as ``own``), how many counted companies had chosen it and how
many of those are achieved / on track / behind / missing an actual / with nothing due yet.

Members and status. At release time, a counted company's active (not archived) indicators are
read with their actuals, and each gets the status of its progress page (app/kpis/progress.py's
series, scoring.progress.status, as of the company's running fiscal year). An indicator counts
under its example when the example is in the release version's catalogue and came from that
version (or no version was recorded); otherwise under ``own``. A company with several indicators
under one example counts once, with the first of BEHIND, MISSING, NO_DATA, ON_TRACK, ACHIEVED
that any of them has (the least favourable). These choices are stored with the release
(ReleaseKpiMember), so a later change by a company does not alter a published figure.

Disclosure (app/reports/disclosure.py, run once per example over sub-cells, the main cells'
decisions fixed, as app/reports/panel.py does): ``kpi:X|C`` is the companies of main cell C that
chose X, a member carried as its status (a status change is a change over time);
``kpinot:X|C`` the rest of C (derivable as C minus it: at least k companies or hidden too; never
stored). Lines: C = kpi + kpinot, and every line of app/reports/cells.py for kpi cells and for
kpinot cells. Choices and statuses belong to the company, not to one fiscal year, so a kpi cell
is also compared with the same cell of every earlier release of any other fiscal year or index
version (differing by 0 or at least k companies, or hidden).

Scale. The sub-cells are built from the companies that chose an indicator, kpinot cells are
views, and an earlier release's sub-cells are told by their changes (app/reports/kpi_cells.py);
the release check (``recompute``) walks the main cells instead, its own way to the same cells.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from flask_babel import gettext as _
from flask_babel import lazy_gettext
from sqlalchemy import and_, select

from app.companies.fiscal import fiscal_year_of, today_jst
from app.extensions import db
from app.kpis.progress import STATUS_LABELS, series_of
from app.models import (
    Company,
    Indicator,
    IndicatorValue,
    ReleaseCell,
    ReleaseKpiMember,
    ReleaseMember,
    ReportRelease,
)
from app.reports import cells as C
from app.reports.build_context import FACTS, BuildContext, stored_cell_members
from app.reports.bulk import insert_rows
from app.reports.disclosure import MIN_COMPANIES, Earlier, Line, publishable
from app.reports.kpi_cells import (
    Chooser,
    chosen_cells,
    kpi_key,
    overlaid_sub_cells,
    rest_key,
    special_companies,
    sub_cells,
)
from app.reports.overlay import OverlaidCells
from app.reports.streamed import streamed
from scoring.progress import ACHIEVED, BEHIND, MISSING, NO_DATA, ON_TRACK, status

OWN = "own"
OWN_LABEL = lazy_gettext("独自の指標（例にない指標）")
ORDER = (BEHIND, MISSING, NO_DATA, ON_TRACK, ACHIEVED)  # least favourable first
SHOWN = (ACHIEVED, ON_TRACK, BEHIND, MISSING, NO_DATA)  # column order of the table


def examples(index) -> tuple[str, ...]:
    return (*(e.id for e in index.kpi_examples), OWN)


@lru_cache(maxsize=64)
def example_lines(example: str) -> tuple[Line, ...]:
    result = []
    for key_of in (kpi_key, rest_key):
        for line in C.lines():
            rows = tuple(key_of(example, r) for r in line.rows)
            result.append(Line(key_of(example, line.total), rows))
    result += [Line(key, (kpi_key(example, key), rest_key(example, key))) for key in C.all_cells()]
    return tuple(result)


# -- members ----------------------------------------------------------------------------------


def _example_of(example_id, example_version, index, catalogue: frozenset[str]) -> str:
    if example_id in catalogue and example_version in (None, index.version_id):
        return example_id
    return OWN


def _least_favourable(a: str | None, b: str) -> str:
    return b if a is None or ORDER.index(b) < ORDER.index(a) else a


def live_choosers(release_id: int, index, today=None) -> dict[int, Chooser]:
    """The counted companies of a release that have active indicators, with their cells,
    submission and example -> status, from the live indicators and actuals (two queries)."""
    today = today or today_jst()
    ind = Indicator.__table__.c
    m = ReleaseMember.__table__.c
    counted = and_(
        m.release_id == release_id,
        m.company_id == ind.company_id,
        ind.archived_at.is_(None),
    )
    values: dict[int, dict[int, object]] = defaultdict(dict)
    for indicator_id, year, value in db.session.execute(
        select(IndicatorValue.indicator_id, IndicatorValue.fiscal_year, IndicatorValue.value)
        .join(Indicator, Indicator.id == IndicatorValue.indicator_id)
        .join(ReleaseMember, counted)
    ):
        values[indicator_id][year] = value
    rows = streamed(  # after the actuals: read one batch at a time
        select(
            ind.id,
            ind.company_id,
            ind.example_id,
            ind.example_version,
            ind.direction,
            ind.baseline_year,
            ind.baseline_value,
            ind.target_year,
            ind.target_value,
            Company.fiscal_year_start_month,
            *(m[name] for name in _CHOOSER_FACTS),  # the last columns
        )
        .select_from(Indicator.__table__)
        .join(ReleaseMember, counted)
        .join(Company, Company.id == ind.company_id)
    )
    catalogue = frozenset(e.id for e in index.kpi_examples)
    result: dict[int, Chooser] = {}
    for row in rows:
        as_of = fiscal_year_of(today, row.fiscal_year_start_month)
        code = status(series_of(row, values[row.id]), row.direction, as_of).code
        example = _example_of(row.example_id, row.example_version, index, catalogue)
        chooser = result.get(row.company_id)
        if chooser is None:
            chooser = result[row.company_id] = _chooser(row[-len(_CHOOSER_FACTS) :])
        mine = chooser.statuses
        mine[example] = _least_favourable(mine.get(example), code)
    return result


_CHOOSER_FACTS = FACTS[1:]  # a stored member's assessment, submission and cell facts


def _chooser(facts) -> Chooser:
    """From a stored member's _CHOOSER_FACTS, in that order."""
    assessment_id, submission, *cell_facts = facts
    return Chooser(C.cells_for(*cell_facts), (assessment_id, submission), {})


def _store(release_id: int, choosers: Mapping[int, Chooser]) -> None:
    rows = [
        (release_id, cid, x, code)
        for cid, chooser in choosers.items()
        for x, code in chooser.statuses.items()
    ]
    insert_rows(ReleaseKpiMember.__table__, _KPI_MEMBER_COLUMNS, rows)  # COPY on PostgreSQL


_KPI_MEMBER_COLUMNS = ("release_id", "company_id", "example", "status")


def stored_choosers(release_ids) -> dict[int, dict[int, Chooser]]:
    """Release -> its stored choosers (company -> cells, submission and statuses then), from the
    stored choices and the stored members' facts (one query)."""
    result: dict[int, dict[int, Chooser]] = {rid: {} for rid in release_ids}
    if not release_ids:
        return result
    k = ReleaseKpiMember.__table__.c
    m = ReleaseMember.__table__.c
    query = (
        select(k.release_id, k.company_id, k.example, k.status, *(m[n] for n in _CHOOSER_FACTS))
        .select_from(ReleaseKpiMember.__table__)
        .join(ReleaseMember, and_(m.release_id == k.release_id, m.company_id == k.company_id))
        .where(k.release_id.in_(list(release_ids)))
    )
    for rid, cid, example, code, *facts in streamed(query):
        choosers = result[rid]
        chooser = choosers.get(cid)
        if chooser is None:
            chooser = choosers[cid] = _chooser(facts)
        chooser.statuses[example] = code
    return result


def stored_choices(release_ids) -> dict[int, dict[int, dict[str, str]]]:
    """Release -> company -> example -> status, as stored."""
    result: dict[int, dict[int, dict[str, str]]] = defaultdict(lambda: defaultdict(dict))
    if release_ids:
        for rid, cid, example, code in db.session.execute(
            select(
                ReleaseKpiMember.release_id,
                ReleaseKpiMember.company_id,
                ReleaseKpiMember.example,
                ReleaseKpiMember.status,
            ).where(ReleaseKpiMember.release_id.in_(list(release_ids)))
        ):
            result[rid][cid][example] = code
    return result


def example_members(cell_members, choices, example: str) -> dict[str, dict]:
    """The kpi cells of one example under every main cell, by walking the main cells (the
    release check's own recomputation; the build fills them from the choosers instead)."""
    result: dict[str, dict] = {}
    for key in C.all_cells():
        main = cell_members.get(key, {})
        result[kpi_key(example, key)] = {
            cid: choices[cid][example] for cid in main if example in choices.get(cid, {})
        }
    return result


def figures_of(members) -> dict:
    counts = {code: 0 for code in SHOWN}
    for code in members.values():
        counts[code] += 1
    return {"n": len(members), "statuses": counts}


# -- earlier releases -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Others:
    """Earlier releases of other periods that published kpi cells: per release, its published
    kpi cells and its kpi cells' members (example -> main cell -> company -> status)."""

    ids: list[int]
    published: dict[int, set[str]]
    chosen: dict[int, dict[str, dict[str, dict[int, str]]]]


def _other_periods(ctx: BuildContext, keys: frozenset[str]) -> _Others:
    ids = list(
        db.session.scalars(
            select(ReportRelease.id)
            .where(ReportRelease.id < ctx.release.id, ReportRelease.id.not_in(ctx.earlier_ids))
            .order_by(ReportRelease.id)
        )
    )
    published: dict[int, set[str]] = defaultdict(set)
    if ids:
        for rid, key in db.session.execute(
            select(ReleaseCell.release_id, ReleaseCell.cell_key).where(
                ReleaseCell.release_id.in_(ids),
                ReleaseCell.status == "published",
                ReleaseCell.cell_key.like("kpi:%"),
            )
        ):
            published[rid].add(key)
    ids = [rid for rid in ids if published[rid]]  # nothing to compare with otherwise
    choosers = stored_choosers(ids)
    chosen = {rid: chosen_cells(choosers[rid], keys) for rid in ids}
    return _Others(ids, published, chosen)


@dataclass(frozen=True)
class _Same:
    """Earlier releases of the same period: their choosers, and per release and example the
    companies whose sub-cells of the example may differ from their main cells' changes (see
    kpi_cells.overlaid_sub_cells)."""

    choosers: dict[int, dict[int, Chooser]]
    special: dict[int, dict[str, set[int]]]


def _same_period(ctx: BuildContext, now: Mapping[int, Chooser]) -> _Same:
    choosers = stored_choosers(ctx.earlier_ids)
    special: dict[int, dict[str, set[int]]] = {}
    for rid, e in zip(ctx.earlier_ids, ctx.earlier, strict=True):
        if _told_against(e, ctx):
            if e.members.changed is None:  # without them the special companies are incomplete
                raise ValueError(f"release {rid}: the companies that changed are not known")
            special[rid] = special_companies(now, choosers[rid], e.members.changed)
    return _Same(choosers, special)


def _told_against(e: Earlier, ctx: BuildContext) -> bool:
    """Whether an earlier release's main cells are told against the new release's."""
    return isinstance(e.members, OverlaidCells) and e.members.now is ctx.cell_members


def _earlier_for(
    example: str,
    members: Mapping[str, Mapping],
    ctx: BuildContext,
    now: Mapping[int, Chooser],
    same: _Same,
    others: _Others,
    keys: frozenset[str],
) -> list[Earlier]:
    """The earlier releases for the example's disclosure pass: those of the period with their
    main and sub-cells, those of other periods with their kpi cells (``keys``: the main cells,
    frozenset(C.all_cells()))."""
    result = []
    for rid, e in zip(ctx.earlier_ids, ctx.earlier, strict=True):
        then = same.choosers[rid]
        if _told_against(e, ctx):
            special = same.special[rid].get(example, set())
            cells = overlaid_sub_cells(members, example, keys, e.members, now, then, special)
        else:  # whole cells (not told against this release's): whole sub-cells
            chosen = chosen_cells(then, keys).get(example, {})
            cells = dict(e.members) | sub_cells(example, C.all_cells(), e.members, chosen)
        rest = {
            rest_key(example, k)
            for k in C.all_cells()
            if k in e.published and kpi_key(example, k) in e.published
        }
        result.append(Earlier(cells, e.published | rest))
    for rid in others.ids:
        mine = {key for key in others.published[rid] if key.startswith(f"kpi:{example}|")}
        if mine:
            chosen = others.chosen[rid].get(example, {})
            cells = {kpi_key(example, key): chosen.get(key, {}) for key in C.all_cells()}
            result.append(Earlier(cells, frozenset(mine)))
    return result


# -- the builder ---------------------------------------------------------------------------------


def build(ctx: BuildContext, k: int = MIN_COMPANIES, today=None) -> list[dict]:
    """Store the release's indicator choices, decide and compute its kpi cells; ReleaseCell rows
    to store."""
    choosers = live_choosers(ctx.release.id, ctx.index, today)
    _store(ctx.release.id, choosers)
    keys = frozenset(C.all_cells())
    chosen = chosen_cells(choosers, keys)
    same = _same_period(ctx, choosers)
    others = _other_periods(ctx, keys)
    forced = {key for key in C.all_cells() if key not in ctx.publish}
    rows = []
    for example in examples(ctx.index):
        if example in chosen:
            sub = sub_cells(example, C.all_cells(), ctx.cell_members, chosen[example])
            members = dict(ctx.cell_members) | sub
            earlier = _earlier_for(example, members, ctx, choosers, same, others, keys)
            decided = publishable(members, example_lines(example), earlier, k, forced)
        else:  # nobody chose it: every cell is empty, so none is published afresh
            decided = frozenset()
        for key in C.all_cells():
            kk = kpi_key(example, key)
            fresh = (key in decided or key not in ctx.publish) and kk in decided
            if fresh:
                status_, source, figures = "published", None, figures_of(sub[kk])
            elif kk in ctx.latest:
                status_, (source, figures) = "carried", ctx.latest[kk]
            elif key in ctx.publish or key in ctx.latest:
                status_, source, figures = "suppressed", None, None
            else:  # neither is shown: no page reads it (a missing cell reads as suppressed)
                continue
            rows.append(
                {
                    "release_id": ctx.release.id,
                    "cell_key": kk,
                    "status": status_,
                    "source_release_id": source,
                    "figures": figures,
                }
            )
    return rows


def recompute(ctx: BuildContext, release_id: int) -> dict[str, tuple[bool, dict]]:
    """For the release check: every kpi cell of the stored release -> (its members then and in
    the live recomputation ``ctx`` are the same, the live figures)."""
    then_main = stored_cell_members([release_id]).get(release_id, {})
    then_choices = stored_choices([release_id]).get(release_id, {})
    now_choices = stored_choices([ctx.release.id]).get(ctx.release.id, {})
    result = {}
    for example in examples(ctx.index):
        then = example_members(then_main, then_choices, example)
        now = example_members(ctx.cell_members, now_choices, example)
        for key, members in now.items():
            result[key] = (dict(then[key]) == members, figures_of(members))
    return result


# -- the table (page, CSV, xlsx) -----------------------------------------------------------------


def focus_keys(index, focus_key: str) -> list[str]:
    """The indicator cells a report of ``focus_key`` reads (with its other cells, one query)."""
    return [kpi_key(x, focus_key) for x in examples(index)]


def table_rows(report, suppressed_text, carried_text) -> tuple[tuple, tuple[tuple, ...]] | None:
    """(columns, rows) of the indicator table of the report's focus cell; None when the release
    has no indicator cells (made before this table existed)."""
    index = report.index
    cells = report.kpis
    if not cells:
        return None
    columns = (
        _("定量指標の例"),
        _("選んだ企業数"),
        *(str(STATUS_LABELS[code]) for code in SHOWN),
        _("備考"),
    )
    labels = {e.id: f"{e.id} {e.name}" for e in index.kpi_examples} | {OWN: str(OWN_LABEL)}
    rows = []
    for example in examples(index):
        st, figures, date = cells.get(
            kpi_key(example, report.focus.key), ("suppressed", None, None)
        )
        if figures is None:
            rows.append((labels[example], str(suppressed_text)))
            continue
        note = ""
        if st == "carried" and date is not None:
            note = _("%(carried)s（%(date)s公表）", carried=carried_text, date=f"{date:%Y-%m-%d}")
        counts = figures["statuses"]
        rows.append((labels[example], figures["n"], *(counts[c] for c in SHOWN), note))
    return columns, tuple(rows)
