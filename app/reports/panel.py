"""Panel year-over-year figures of a release: only the counted companies that also submitted the
previous fiscal year (how IPA reports repeat submitters), their mean current and target levels
overall, per framework and per group in both years.

Across index versions only items that correspond are compared: the same item when both years use
one version, else the item its stored mapping (``flask index load-mapping``) says it continues;
a part with no such item is 比較不可 (None). Every company's means are taken over the same
comparable items in both years.

Disclosure (app/reports/disclosure.py, run again over sub-cells with the main cells' decisions
fixed): ``panel|X`` is the panel within cell X, ``rest|X`` the rest of X (derivable as X minus the
panel, so treated like a published cell: at least k companies or the panel is hidden). Lines: X =
panel + rest, and every line of app/reports/cells.py for panel cells and for rest cells. A panel
cell carries a company as (this year's submission, previous year's submission), so a reopen of
either year is a change over time. The previous year's side of a panel cell is also compared with
every earlier release of the previous year (its cell X and its panel X): they must differ by 0 or
at least k companies, or the panel stays hidden.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache

from flask_babel import gettext as _
from sqlalchemy import and_, func, insert, literal, or_, select

from app.extensions import db
from app.models import (
    Assessment,
    ReleaseCell,
    ReleaseMember,
    ReleasePanelMember,
    ReportRelease,
)
from app.reports import cells as C
from app.reports import panel_figures
from app.reports import weights as item_weights
from app.reports.build_context import (
    FACTS,
    BuildContext,
    member_entries,
    stored_cell_members,
    stored_member,
)
from app.reports.disclosure import MIN_COMPANIES, Earlier, Line, changed_a_little, publishable
from app.reports.overlay import OverlaidCells
from app.reports.streamed import streamed

PANEL = "panel|"
REST = "rest|"
OVERALL = panel_figures.OVERALL


def panel_key(cell: str) -> str:
    return PANEL + cell


def rest_key(cell: str) -> str:
    return REST + cell


@lru_cache(maxsize=1)
def panel_lines() -> tuple[Line, ...]:
    result = []
    for prefix in (PANEL, REST):
        for line in C.lines():
            result.append(Line(prefix + line.total, tuple(prefix + r for r in line.rows)))
    result += [Line(key, (panel_key(key), rest_key(key))) for key in C.all_cells()]
    return tuple(result)


# -- members ----------------------------------------------------------------------------------


def _store_pairs(release: ReportRelease) -> dict[int, tuple[int, int, str]]:
    """Company -> (previous year's assessment id, its version counter, its index version) for
    the release's counted companies with a submitted assessment of the previous year (at most
    one: one assessment per company and year); stored by one INSERT ... SELECT, then read."""
    prev = Assessment
    pm = ReleasePanelMember.__table__
    query = (
        select(
            literal(release.id), ReleaseMember.company_id, prev.id, prev.version, prev.index_version
        )
        .join(
            prev,
            and_(
                prev.company_id == ReleaseMember.company_id,
                prev.fiscal_year == release.fiscal_year - 1,
                prev.status == "submitted",
            ),
        )
        .where(ReleaseMember.release_id == release.id)
    )
    columns = [
        "release_id",
        "company_id",
        "previous_assessment_id",
        "previous_submission",
        "previous_index_version",
    ]
    db.session.execute(insert(pm).from_select(columns, query))
    item_weights.analyze(ReleasePanelMember.__tablename__)
    stored = select(*(pm.c[name] for name in columns[1:])).where(pm.c.release_id == release.id)
    return {cid: (aid, version, iv) for cid, aid, version, iv in streamed(stored)}


def _panel_members(cell_members, pairs) -> dict[str, dict[int, tuple]]:
    """Panel and rest cells of every main cell; a panel member's submission is both years'
    (one tuple per company, shared by all its panel cells: ~9 per company otherwise)."""
    everyone = cell_members.get(C.ALL, {})  # every member is in the national cell
    both = {cid: (sub, tuple(pairs[cid][:2])) for cid, sub in everyone.items() if cid in pairs}
    result: dict[str, dict[int, tuple]] = {}
    for key in C.all_cells():
        main = cell_members.get(key, {})
        result[panel_key(key)] = {cid: both[cid] for cid in main if cid in both}
        result[rest_key(key)] = {cid: sub for cid, sub in main.items() if cid not in both}
    return result


def stored_pairs_with_versions(release_id: int) -> dict[int, tuple[int, int, str]]:
    """Company -> (previous year's assessment id, its version counter, its index version), as
    stored for the release (the ``pairs`` of the build; streamed: ~1M at national scale)."""
    pm = ReleasePanelMember
    query = select(
        pm.company_id, pm.previous_assessment_id, pm.previous_submission, pm.previous_index_version
    ).where(pm.release_id == release_id)
    return {cid: (aid, version, iv) for cid, aid, version, iv in streamed(query)}


def _with_earlier_panels(ctx: BuildContext, members, pairs) -> list[Earlier]:
    """The earlier releases with their panel and rest cells (a rest cell counts as published
    where its cell and panel were: it was derivable). ``members``: the new release's main,
    panel and rest cells, which each earlier release's are told against, as its main cells are
    (releases._earlier, app/reports/overlay.py); ``pairs``: the new release's panel pairs."""
    result = []
    for rid, e in zip(ctx.earlier_ids, ctx.earlier, strict=True):
        cells = _overlaid_panels(ctx.release.id, rid, e.members, members, pairs)
        rest = {
            rest_key(k) for k in C.all_cells() if k in e.published and panel_key(k) in e.published
        }
        result.append(Earlier(cells, e.published | rest))
    return result


def _overlaid_panels(release_id: int, earlier_id: int, main: OverlaidCells, members, pairs):
    """An earlier release's main, panel and rest cells told against the new release's
    ``members``: the companies that differ are those whose main cells differ (``main``) and
    those whose panel pair differs (a reopen of the previous year, or a previous year
    submitted in between)."""
    pair_changes = _pair_changes(release_id, earlier_id)
    changed = {}
    for cid in main.changed.keys() | pair_changes.keys():
        if cid in main.changed:
            mine_now, mine_then = main.changed[cid]
        else:
            mine_now = mine_then = member_entries(pair_changes[cid][1])
        pair_now = tuple(pairs[cid][:2]) if cid in pairs else None
        pair_then = pair_changes[cid][0] if cid in pair_changes else pair_now
        changed[cid] = (
            mine_now | _panel_entries(mine_now, pair_now),
            mine_then | _panel_entries(mine_then, pair_then),
        )
    return OverlaidCells(members, changed)


def _panel_entries(main_entries, pair) -> dict:
    """A company's panel (with a pair) or rest cells, from its main cells' entries."""
    if pair is None:
        return {rest_key(key): sub for key, sub in main_entries.items()}
    return {panel_key(key): (sub, pair) for key, sub in main_entries.items()}


def _pair_changes(release_id: int, earlier_id: int) -> dict[int, tuple]:
    """Company -> (its panel pair in release ``earlier_id`` or None, its C.Member in release
    ``release_id`` or None) for the companies whose pair (previous year's assessment and
    submission) differs between the two releases."""
    pm = ReleasePanelMember.__table__.c
    columns = (pm.company_id, pm.previous_assessment_id, pm.previous_submission)
    now = select(*columns).where(pm.release_id == release_id).subquery("pairs_now")
    then = select(*columns).where(pm.release_id == earlier_id).subquery("pairs_then")
    differs = or_(
        now.c.company_id.is_(None),
        then.c.company_id.is_(None),
        now.c.previous_assessment_id.is_distinct_from(then.c.previous_assessment_id),
        now.c.previous_submission.is_distinct_from(then.c.previous_submission),
    )
    company = func.coalesce(now.c.company_id, then.c.company_id)
    changed = (
        select(
            company.label("company_id"), then.c.previous_assessment_id, then.c.previous_submission
        )
        .select_from(now.join(then, now.c.company_id == then.c.company_id, full=True))
        .where(differs)
        .subquery("changed_pairs")
    )
    m = ReleaseMember.__table__.c
    facts = [m[name] for name in FACTS[1:]]
    query = select(changed, *facts).outerjoin(
        ReleaseMember.__table__,
        and_(m.release_id == release_id, m.company_id == changed.c.company_id),
    )
    result = {}
    for cid, aid, sub, *rest in db.session.execute(query):
        pair_then = None if aid is None else (aid, sub)
        member = None if rest[0] is None else stored_member((cid, *rest))
        result[cid] = (pair_then, member)
    return result


def _previous_year_breaches(ctx: BuildContext, panel_members, k: int) -> set[str]:
    """Panel cells whose previous-year side differs by 1..k-1 companies from a cell or panel
    published afresh by a release of the previous year (any index version)."""
    year = ctx.release.fiscal_year - 1
    ids = list(
        db.session.scalars(select(ReportRelease.id).where(ReportRelease.fiscal_year == year))
    )
    if not ids:
        return set()
    published: dict[int, set[str]] = defaultdict(set)
    for rid, key in db.session.execute(
        select(ReleaseCell.release_id, ReleaseCell.cell_key).where(
            ReleaseCell.release_id.in_(ids), ReleaseCell.status == "published"
        )
    ):
        published[rid].add(key)
    # the previous-year side of each non-empty panel cell, built once for all releases
    sides = {
        key: {cid: subs[1] for cid, subs in panel_members[panel_key(key)].items()}
        for key in C.all_cells()
        if panel_members[panel_key(key)]
    }
    breaches = set()
    for rid in ids:
        keys = [
            key
            for key in sides
            if panel_key(key) not in breaches
            and (key in published[rid] or panel_key(key) in published[rid])
        ]
        if not keys:
            continue  # nothing of it to compare with: its members are not read
        # its cells, and its panels (its members with a pair of their own), told against the
        # sides by the companies that differ (app/reports/overlay.py)
        cells, panels = _previous_year_overlays(ctx.release.id, rid, sides)
        for key in keys:
            seen = []
            if key in published[rid]:
                seen.append(cells[key])
            if panel_key(key) in published[rid]:
                seen.append(panels[key])
            if any(changed_a_little(sides[key], then, k) for then in seen):
                breaches.add(panel_key(key))
    return breaches


def _previous_year_overlays(release_id: int, earlier_id: int, sides):
    """Release ``earlier_id`` (of the previous fiscal year): its main cells, and the same cells
    with only its members that had a panel pair of their own, each as OverlaidCells on
    ``sides`` (main cell -> panel company -> its previous-year submission, in release
    ``release_id``). A company differs unless it is a panel member now and a member then with
    the same previous-year submission, the same facts (cohort included) and a pair then."""
    m, pm = ReleaseMember.__table__.c, ReleasePanelMember.__table__.c
    m_then = ReleaseMember.__table__.alias("members_then")
    pm_then = ReleasePanelMember.__table__.alias("pairs_then")
    cells_of = FACTS[3:]  # bureau .. cohort: what decides a member's cells
    now = (
        select(
            m.company_id,
            pm.previous_assessment_id,
            pm.previous_submission,
            *(m[name] for name in cells_of),
        )
        .join(
            ReleasePanelMember.__table__,
            and_(pm.release_id == m.release_id, pm.company_id == m.company_id),
        )
        .where(m.release_id == release_id)
        .subquery("now")
    )
    then = (
        select(
            m_then.c.company_id,
            m_then.c.assessment_id,
            m_then.c.submission,
            *(m_then.c[name] for name in cells_of),
            pm_then.c.company_id.is_not(None).label("paired"),
        )
        .outerjoin(
            pm_then,
            and_(
                pm_then.c.release_id == m_then.c.release_id,
                pm_then.c.company_id == m_then.c.company_id,
            ),
        )
        .where(m_then.c.release_id == earlier_id)
        .subquery("then")
    )
    differs = or_(
        now.c.company_id.is_(None),
        then.c.company_id.is_(None),
        ~then.c.paired,
        now.c.previous_assessment_id.is_distinct_from(then.c.assessment_id),
        now.c.previous_submission.is_distinct_from(then.c.submission),
        *(now.c[name].is_distinct_from(then.c[name]) for name in cells_of),
    )
    query = (
        select(now, then)
        .select_from(now.join(then, now.c.company_id == then.c.company_id, full=True))
        .where(differs)
    )
    width = 3 + len(cells_of)
    main, panels = {}, {}
    for row in streamed(query):
        mine_now = mine_then = {}
        if row[0] is not None:
            mine_now = dict.fromkeys(C.cells_for(*row[3:width]), (row[1], row[2]))
        if row[width] is not None:
            then_facts = row[width + 3 : 2 * width]
            mine_then = dict.fromkeys(C.cells_for(*then_facts), (row[width + 1], row[width + 2]))
        cid = row[0] if row[0] is not None else row[width]
        main[cid] = (mine_now, mine_then)
        panels[cid] = (mine_now, mine_then if row[-1] else {})
    return OverlaidCells(sides, main), OverlaidCells(sides, panels)


# -- figures (app/reports/panel_figures.py) -----------------------------------------------------


def _all_cell_figures(ctx: BuildContext, panel_members, pairs, means, keys) -> dict[str, dict]:
    """Main cell key -> figures of its panel cell, for ``keys``."""
    try:
        return panel_figures.figures_by_cell(ctx.members(), pairs, means, ctx.index, keys)
    except ArithmeticError:
        return {
            key: panel_figures.cell_figures(panel_members[panel_key(key)], means, pairs, ctx.index)
            for key in keys
        }


def _fresh_figures(ctx: BuildContext, panel_members, pairs, fresh) -> dict[str, dict]:
    """Main cell key -> figures of its panel cell, for the cells published afresh: straight
    from the part sums where both years use the release's index version, else from the
    companies' means."""
    if not fresh:
        return {}
    if panel_figures.summable(pairs, ctx.part_sums):
        try:
            return panel_figures.summed_figures_by_cell(
                ctx.release.id, ctx.index, ctx.part_sums, fresh
            )
        except ArithmeticError:
            pass  # a mean that is no multiple of 2**-64: the plain definition below
    means = panel_figures.company_means(ctx.release.id, pairs, ctx.index, ctx.part_sums)
    return _all_cell_figures(ctx, panel_members, pairs, means, fresh)


# -- the builder --------------------------------------------------------------------------------


def build(ctx: BuildContext, k: int = MIN_COMPANIES) -> list[dict]:
    """Decide and compute the release's panel cells; ReleaseCell rows to store."""
    pairs = _store_pairs(ctx.release)
    panel_members = _panel_members(ctx.cell_members, pairs)
    members = dict(ctx.cell_members) | panel_members
    for key in C.all_cells():
        members.setdefault(key, {})
    # The main cells keep the first pass's decisions: the unpublished ones stay hidden here
    # (a panel may still be published under a hidden cell when the rest of it is hidden too).
    forced = {key for key in C.all_cells() if key not in ctx.publish}
    forced |= _previous_year_breaches(ctx, panel_members, k)
    earlier = _with_earlier_panels(ctx, members, pairs)
    decided = publishable(members, panel_lines(), earlier, k, forced)
    # A main cell this pass would hide (its panel and rest both hidden) stays published: its
    # own figures are the first pass's business; its panel is hidden with it.
    fresh = {key for key in C.all_cells() if key in decided or key not in ctx.publish}
    fresh = {key for key in fresh if panel_key(key) in decided}
    computed = _fresh_figures(ctx, panel_members, pairs, fresh)
    rows = []
    for key in C.all_cells():
        pk = panel_key(key)
        if key in fresh:
            status, source = "published", None
            figures = computed[key]
        elif pk in ctx.latest:
            status, (source, figures) = "carried", ctx.latest[pk]
        else:
            status, source, figures = "suppressed", None, None
        rows.append(
            {
                "release_id": ctx.release.id,
                "cell_key": pk,
                "status": status,
                "source_release_id": source,
                "figures": figures,
            }
        )
    return rows


@dataclass(frozen=True)
class PanelRow:
    label: str
    figures: dict | None  # None: 比較不可


def panel_rows(figures: dict, index) -> list[PanelRow]:
    """The rows of a panel table: overall, frameworks, groups (labels from the index)."""
    rows = [PanelRow(_("全体"), figures["parts"].get(OVERALL))]
    rows += [PanelRow(f.name, figures["parts"].get(f"f:{f.id}")) for f in index.frameworks]
    rows += [PanelRow(g.title, figures["parts"].get(f"g:{g.id}")) for g in index.groups]
    return rows


def recompute(ctx: BuildContext, release_id: int) -> dict[str, tuple[bool, dict | None]]:
    """For the release check: every panel cell of the stored release -> (its members then and
    in the live recomputation ``ctx`` are the same, the live figures when they are)."""
    then_main = stored_cell_members([release_id]).get(release_id, {})
    then = _panel_members(then_main, stored_pairs_with_versions(release_id))
    pairs = stored_pairs_with_versions(ctx.release.id)
    now = _panel_members(ctx.cell_members, pairs)
    means = (
        panel_figures.company_means(ctx.release.id, pairs, ctx.index, ctx.part_sums)
        if pairs
        else {}
    )
    same = {key: dict(then[panel_key(key)]) == now[panel_key(key)] for key in C.all_cells()}
    wanted = [key for key in C.all_cells() if same[key] and now[panel_key(key)]]
    computed = _all_cell_figures(ctx, now, pairs, means, wanted)
    return {panel_key(key): (same[key], computed.get(key)) for key in C.all_cells()}
