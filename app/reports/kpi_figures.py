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
"""

from __future__ import annotations

from collections import defaultdict
from functools import lru_cache

from flask_babel import gettext as _
from flask_babel import lazy_gettext
from sqlalchemy import and_, insert, select

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
from app.reports.build_context import BuildContext, stored_cell_members
from app.reports.disclosure import MIN_COMPANIES, Earlier, Line, publishable
from app.reports.streamed import streamed
from scoring.progress import ACHIEVED, BEHIND, MISSING, NO_DATA, ON_TRACK, status

OWN = "own"
OWN_LABEL = lazy_gettext("独自の指標（例にない指標）")
ORDER = (BEHIND, MISSING, NO_DATA, ON_TRACK, ACHIEVED)  # least favourable first
SHOWN = (ACHIEVED, ON_TRACK, BEHIND, MISSING, NO_DATA)  # column order of the table


def kpi_key(example: str, cell: str) -> str:
    return f"kpi:{example}|{cell}"


def rest_key(example: str, cell: str) -> str:
    return f"kpinot:{example}|{cell}"


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


def live_choices(release_id: int, index, today=None) -> dict[int, dict[str, str]]:
    """Company -> example -> status, for the counted companies of a release, from the live
    indicators and actuals (two queries)."""
    today = today or today_jst()
    ind = Indicator.__table__.c
    counted = and_(
        ReleaseMember.release_id == release_id,
        ReleaseMember.company_id == ind.company_id,
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
        )
        .select_from(Indicator.__table__)
        .join(ReleaseMember, counted)
        .join(Company, Company.id == ind.company_id)
    )
    catalogue = frozenset(e.id for e in index.kpi_examples)
    result: dict[int, dict[str, str]] = defaultdict(dict)
    for row in rows:
        as_of = fiscal_year_of(today, row.fiscal_year_start_month)
        code = status(series_of(row, values[row.id]), row.direction, as_of).code
        example = _example_of(row.example_id, row.example_version, index, catalogue)
        mine = result[row.company_id]
        mine[example] = _least_favourable(mine.get(example), code)
    return dict(result)


def _store(release_id: int, choices) -> None:
    rows = [
        {"release_id": release_id, "company_id": cid, "example": x, "status": code}
        for cid, chosen in choices.items()
        for x, code in chosen.items()
    ]
    if rows:
        db.session.execute(insert(ReleaseKpiMember), rows)


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


def example_members(cell_members, choices, example: str, rest: bool = True) -> dict[str, dict]:
    """The kpi (and kpinot) cells of one example under every main cell."""
    result: dict[str, dict] = {}
    for key in C.all_cells():
        main = cell_members.get(key, {})
        chose = {cid: choices[cid][example] for cid in main if example in choices.get(cid, {})}
        result[kpi_key(example, key)] = chose
        if rest:
            others = dict(main)
            for cid in chose:
                del others[cid]
            result[rest_key(example, key)] = others
    return result


def figures_of(members) -> dict:
    counts = {code: 0 for code in SHOWN}
    for code in members.values():
        counts[code] += 1
    return {"n": len(members), "statuses": counts}


# -- earlier releases -----------------------------------------------------------------------------


def _other_periods(ctx: BuildContext) -> tuple[list[int], dict, dict, dict]:
    """Earlier releases of other periods: ids, their main cell members, their published kpi
    cells and their stored choices."""
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
    if not ids:
        return [], {}, published, {}
    return ids, stored_cell_members(ids), published, stored_choices(ids)


def _earlier_for(example, ctx, same_choices, others) -> list[Earlier]:
    result = []
    for rid, e in zip(ctx.earlier_ids, ctx.earlier, strict=True):
        members = dict(e.members) | example_members(e.members, same_choices.get(rid, {}), example)
        rest = {
            rest_key(example, k)
            for k in C.all_cells()
            if k in e.published and kpi_key(example, k) in e.published
        }
        result.append(Earlier(members, e.published | rest))
    ids, cell_members, published, choices = others
    for rid in ids:
        mine = {key for key in published[rid] if key.startswith(f"kpi:{example}|")}
        if mine:
            members = example_members(cell_members[rid], choices.get(rid, {}), example, rest=False)
            result.append(Earlier(members, frozenset(mine)))
    return result


# -- the builder ---------------------------------------------------------------------------------


def build(ctx: BuildContext, k: int = MIN_COMPANIES, today=None) -> list[dict]:
    """Store the release's indicator choices, decide and compute its kpi cells; ReleaseCell rows
    to store."""
    choices = live_choices(ctx.release.id, ctx.index, today)
    _store(ctx.release.id, choices)
    same = stored_choices(ctx.earlier_ids)
    others = _other_periods(ctx)
    forced = {key for key in C.all_cells() if key not in ctx.publish}
    rows = []
    chosen = {x for mine in choices.values() for x in mine}
    for example in examples(ctx.index):
        if example in chosen:
            sub = example_members(ctx.cell_members, choices, example)
            members = dict(ctx.cell_members) | sub
            earlier = _earlier_for(example, ctx, same, others)
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
        then = example_members(then_main, then_choices, example, rest=False)
        now = example_members(ctx.cell_members, now_choices, example, rest=False)
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
