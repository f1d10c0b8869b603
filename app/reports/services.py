"""The bureau report a request asks for, read from stored releases only (never live answers),
and its tables declared once: the page, the CSV and the .xlsx all render ``report_tables``.

Queries per page: the list of releases, then the cells of one release the scope shows (with the
date of the release a carried cell comes from). Neither grows with the number of companies.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext
from sqlalchemy import JSON, case, cast, func, select, type_coerce
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import aliased

from app.extensions import db
from app.models import ReleaseCell, ReportRelease
from app.reports import cells as C
from app.reports import kpi_figures
from app.reports.disclosure import MIN_COMPANIES
from app.reports.panel import panel_key, panel_rows
from app.web.numbers import percent_value
from questionnaires import load_index, reference
from scoring import round_half_away

ID = re.compile(r"\A[0-9]{1,9}\Z")
YEAR = re.compile(r"\A[0-9]{4}\Z")
VALUE = re.compile(r"\A[0-9A-Za-z_]{1,16}\Z")
SUPPRESSED_TEXT = lazy_gettext("—（非公表）")
CARRIED_TEXT = lazy_gettext("前回公表値")
FILTER_PARAMS = ("bureau", "prefecture", "industry", "size", "cohort")
WEAKEST = 5


@dataclass(frozen=True)
class ReleaseInfo:
    id: int
    fiscal_year: int
    index_version: str
    released_at: datetime

    @property
    def label(self) -> str:
        when = f"{self.released_at:%Y-%m-%d %H:%M}"
        return _(
            "%(fiscal_year)s年度（指標 %(index_version)s）%(when)s 公表",
            fiscal_year=self.fiscal_year,
            index_version=self.index_version,
            when=when,
        )


@dataclass(frozen=True)
class CellView:
    key: str
    label: str
    status: str  # published | carried | suppressed
    figures: dict | None
    source_date: datetime | None

    @property
    def shown(self) -> bool:
        return self.figures is not None

    @property
    def note(self) -> str:
        if self.status == "carried" and self.source_date is not None:
            return _(
                "%(carried)s（%(date)s公表）",
                carried=CARRIED_TEXT,
                date=f"{self.source_date:%Y-%m-%d}",
            )
        return ""


@dataclass(frozen=True)
class ScopeReport:
    scope: str
    name: str
    releases: tuple[ReleaseInfo, ...]
    release: ReleaseInfo | None
    focus: CellView | None  # the scope's total, or the filtered cell
    filter: tuple[str, str] | None  # (param, value)
    breakdowns: tuple[tuple[C.Table, tuple[CellView, ...]], ...]
    previous: CellView | None  # same cell in the latest release of the previous fiscal year
    panel: CellView | None = None  # the focus cell's panel (app/reports/panel.py)
    previous_year_released: bool = False  # a release of the previous fiscal year exists
    kpis: dict | None = None  # the focus cell's indicator cells (app/reports/kpi_figures.py)

    @property
    def index(self):
        return load_index(self.release.index_version) if self.release else None


def _releases() -> tuple[ReleaseInfo, ...]:
    rows = db.session.execute(
        select(
            ReportRelease.id,
            ReportRelease.fiscal_year,
            ReportRelease.index_version,
            ReportRelease.released_at,
        ).order_by(
            ReportRelease.fiscal_year.desc(),
            ReportRelease.index_version.desc(),
            ReportRelease.id.desc(),
        )
    )
    return tuple(ReleaseInfo(*row) for row in rows)


def _choose(releases, args, notices) -> ReleaseInfo | None:
    raw_id, raw_year = args.get("release", ""), args.get("year", "")
    if raw_id:
        match = [r for r in releases if ID.match(raw_id) and r.id == int(raw_id)]
        if match:
            return match[0]
        notices.append(_("指定された公表回はありません。最新の公表回を表示しています。"))
    elif raw_year:
        if not YEAR.match(raw_year):
            notices.append(_("年度の指定が正しくないため、最新の公表回を表示しています。"))
        else:
            match = [r for r in releases if r.fiscal_year == int(raw_year)]
            version = args.get("version", "")
            match = [r for r in match if r.index_version == version] or match
            if match:
                return match[0]
            notices.append(
                _(
                    "%(raw_year)s年度の公表済みの集計はありません。最新の公表回を表示しています。",
                    raw_year=raw_year,
                )
            )
    return releases[0] if releases else None


def _filter(scope: str, args, notices) -> tuple[str, str, str] | None:
    """(param, value, cell key) of the one filter asked for, or None."""
    asked = [(p, args.get(p, "")) for p in FILTER_PARAMS if args.get(p, "")]
    if not asked:
        return None
    if len(asked) > 1:
        notices.append(_("絞り込みは一度に1つの区分だけです。絞り込まずに表示しています。"))
        return None
    param, value = asked[0]
    found = C.filtered_cell(scope, param, value) if VALUE.match(value) else None
    if found is None:
        notices.append(_("絞り込みの指定が正しくないため、絞り込まずに表示しています。"))
        return None
    return param, value, found[0]


def _figures_column(full_keys):
    """The cells' figures, whole for ``full_keys`` and without their per-item and per-group
    parts otherwise: a breakdown row shows a cell's count, overall and framework figures, and
    the parts left out are ~80 % of each cell's JSON (decoding them was most of an uncached
    page's time)."""
    figures = ReleaseCell.figures
    whole = [(ReleaseCell.cell_key.in_(list(full_keys)), figures)]
    if db.session.get_bind().dialect.name == "postgresql":
        slim = cast(cast(figures, JSONB).op("-")("items").op("-")("groups"), JSON)
        whole.append((func.json_typeof(figures) != "object", figures))  # a JSON null
    else:
        slim = type_coerce(func.json_remove(figures, "$.items", "$.groups"), JSON)
    return case(*whole, else_=slim)


def _cells(release_id: int, keys, full_keys=None) -> dict[str, tuple]:
    """(status, figures, date of the source release) per cell key; figures whole only for
    ``full_keys`` (all of ``keys`` when None)."""
    source = aliased(ReportRelease)
    figures = ReleaseCell.figures if full_keys is None else _figures_column(full_keys)
    query = (
        select(ReleaseCell.cell_key, ReleaseCell.status, figures, source.released_at)
        .outerjoin(source, source.id == ReleaseCell.source_release_id)
        .where(ReleaseCell.release_id == release_id, ReleaseCell.cell_key.in_(list(keys)))
    )
    return {
        key: (status, figures, date) for key, status, figures, date in db.session.execute(query)
    }


def _view(cells: dict, key: str, label: str) -> CellView:
    status, figures, date = cells.get(key, ("suppressed", None, None))
    return CellView(key, label, status, figures, date)


@dataclass(frozen=True)
class ReportRequest:
    """What a request asks for, resolved from the list of releases without reading any cell:
    enough to name the (immutable) report, so app/reports/cache.py can key it."""

    scope: str
    name: str
    releases: tuple[ReleaseInfo, ...]
    release: ReleaseInfo | None
    chosen: tuple[str, str, str] | None  # (param, value, cell key) of the filter
    previous_release: ReleaseInfo | None
    notices: tuple[str, ...]

    def cache_key(self) -> tuple:
        """The report's identity: scope, release, filter, the previous year's release and the
        list of releases the page offers (ids with their release times, so a reused id after a
        database reset is a different key), and the notices the request produced."""

        def stamp(r):
            return None if r is None else (r.id, r.released_at.isoformat())

        return (
            self.scope,
            stamp(self.release),
            None if self.chosen is None else self.chosen[:2],
            stamp(self.previous_release),
            tuple(stamp(r) for r in self.releases),
            self.notices,
        )


def resolve_request(bureau_code: str | None, args) -> ReportRequest | None:
    """The scope, release and filter ``args`` ask for (one query: the list of releases); None
    for an account without a valid scope."""
    notices: list[str] = []
    scope = bureau_code
    if scope != C.NATIONAL:
        try:
            reference.bureau(scope or "")
        except KeyError:
            return None
    releases = _releases()
    release = _choose(releases, args, notices)
    chosen = _filter(scope, args, notices)
    previous_release = None
    if release is not None:
        previous_release = next(
            (
                r
                for r in releases
                if r.fiscal_year == release.fiscal_year - 1
                and r.index_version == release.index_version
            ),
            None,
        )
    return ReportRequest(
        scope, C.scope_name(scope), releases, release, chosen, previous_release, tuple(notices)
    )


def requested_report(bureau_code: str | None, args) -> tuple[ScopeReport | None, list[str]]:
    """The report of the user's scope (a bureau, or the nation) as asked in ``args``."""
    asked = resolve_request(bureau_code, args)
    if asked is None:
        return None, []
    return load_report(asked), list(asked.notices)


def load_report(asked: ReportRequest) -> ScopeReport:
    """The report's cells: one query for the release, one for the previous year's focus."""
    scope, name, releases, release, chosen = (
        asked.scope,
        asked.name,
        asked.releases,
        asked.release,
        asked.chosen,
    )
    if release is None:
        return ScopeReport(scope, name, releases, None, None, None, (), None)
    tables = C.tables(scope) if chosen is None else ()
    focus_key, focus_label = (
        (C.scope_total(scope), name)
        if chosen is None
        else (chosen[2], C.filtered_cell(scope, chosen[0], chosen[1])[1])
    )
    kpi_keys = kpi_figures.focus_keys(load_index(release.index_version), focus_key)
    whole = {focus_key, panel_key(focus_key), *kpi_keys}
    rows = {key for t in tables for key, _label in t.rows}
    cells = _cells(release.id, whole | rows, whole)
    previous = None
    if asked.previous_release is not None:
        previous = _view(_cells(asked.previous_release.id, {focus_key}), focus_key, focus_label)
    return ScopeReport(
        scope=scope,
        name=name,
        releases=releases,
        release=release,
        focus=_view(cells, focus_key, focus_label),
        filter=None if chosen is None else chosen[:2],
        breakdowns=tuple(
            (t, tuple(_view(cells, key, label) for key, label in t.rows)) for t in tables
        ),
        previous=previous,
        panel=_view(cells, panel_key(focus_key), focus_label),
        previous_year_released=any(r.fiscal_year == release.fiscal_year - 1 for r in releases),
        kpis={key: cells[key] for key in kpi_keys if key in cells},
    )


# -- tables (page, CSV, xlsx) ------------------------------------------------------------------


def score(value) -> Decimal | None:
    """A mean or median: always two decimals (R9 rounding), so 2 is written 2.00."""
    rounded = round_half_away(value, 2)
    return None if rounded is None else rounded.quantize(Decimal("0.01"))


def percent(share) -> Decimal | None:
    """A share as a percentage: always one decimal (R9 rounding)."""
    value = percent_value(share)
    return None if value is None else value.quantize(Decimal("0.1"))


@dataclass(frozen=True)
class ReportTable:
    key: str
    heading: str
    title: str  # caption on the page, section title in the CSV, sheet title in the .xlsx
    columns: tuple[str, ...]
    rows: tuple[tuple, ...]  # first value: the row label; SUPPRESSED_TEXT alone for a hidden row
    numeric_from: int = 1


FIGURE_COLUMNS = (
    lazy_gettext("企業数"),
    lazy_gettext("現在値の平均"),
    lazy_gettext("現在値の中央値"),
    lazy_gettext("目標値の平均"),
    lazy_gettext("目標値の中央値"),
    lazy_gettext("先行企業の割合（%）"),
    lazy_gettext("備考"),
)


def _figure_row(label: str, cell: CellView, part: dict | None = None) -> tuple:
    if not cell.shown:
        return (label, str(SUPPRESSED_TEXT))
    figures = cell.figures
    part = part or figures["overall"]
    leading = figures["overall"]["leading_share"] if part is figures["overall"] else None
    return (
        label,
        figures["n"],
        score(part["current_mean"]),
        score(part["current_median"]),
        score(part["target_mean"]),
        score(part["target_median"]),
        percent(leading),
        cell.note,
    )


def report_tables(report: ScopeReport) -> tuple[ReportTable, ...]:
    focus = report.focus
    if focus is None or not focus.shown:
        return ()
    index = report.index
    tables = []
    summary = [_figure_row(_("全体（%(count)s項目）", count=len(index.items)), focus)]
    for framework in index.frameworks:
        label = _("%(name)s（%(count)s項目）", name=framework.name, count=len(framework.item_ids))
        summary.append(_figure_row(label, focus, focus.figures["frameworks"][framework.id]))
    tables.append(
        ReportTable(
            "summary",
            _("全体・枠組み別"),
            _("全体と枠組み別の成熟度（%(label)s）", label=focus.label),
            (_("区分"), *FIGURE_COLUMNS),
            tuple(summary),
        )
    )
    if report.previous is not None and report.previous.shown:
        prev, now = report.previous.figures["overall"], focus.figures["overall"]
        rows = []
        for key, label in (("current_mean", _("現在値の平均")), ("target_mean", _("目標値の平均"))):
            before, after = score(prev[key]), score(now[key])
            change = None if before is None or after is None else after - before
            rows.append((label, before, after, change))
        rows.append(
            (
                _("先行企業の割合（%）"),
                percent(prev["leading_share"]),
                percent(now["leading_share"]),
                None
                if prev["leading_share"] is None or now["leading_share"] is None
                else percent(now["leading_share"]) - percent(prev["leading_share"]),
            )
        )
        year = report.release.fiscal_year
        tables.append(
            ReportTable(
                "yoy",
                _("前年度との比較"),
                _("前年度との比較（各年度の提出企業全体、%(label)s）", label=focus.label),
                (
                    _("区分"),
                    _("%(year)s年度", year=year - 1),
                    _("%(year)s年度", year=year),
                    _("増減"),
                ),
                tuple(rows),
            )
        )
    panel = _panel_table(report)
    if panel is not None:
        tables.append(panel)
    for table, cells in report.breakdowns:
        tables.append(
            ReportTable(
                table.key,
                table.heading,
                table.title,
                (table.first_column, *FIGURE_COLUMNS),
                tuple(_figure_row(c.label, c) for c in cells),
            )
        )
    side_by_side = _bureaus_side_by_side(report)
    if side_by_side is not None:
        tables.append(side_by_side)
    groups = focus.figures["groups"]
    tables.append(
        ReportTable(
            "groups",
            _("項目グループ別"),
            _("項目グループ（キークエスチョンとサブクエスチョン）別の平均レベル"),
            (_("項目グループ"), _("現在値の平均"), _("目標値の平均")),
            tuple(
                (g.title, score(groups[g.id]["current_mean"]), score(groups[g.id]["target_mean"]))
                for g in index.groups
            ),
        )
    )
    frameworks = {f.id: f.name for f in index.frameworks}
    items = focus.figures["items"]
    tables.append(
        ReportTable(
            "items",
            _("項目別"),
            _("項目それぞれの平均レベルとレベル別の企業数（現在値）"),
            (
                _("項目"),
                _("枠組み"),
                _("現在値の平均"),
                _("目標値の平均"),
                *(_("レベル%(lv)s", lv=lv) for lv in range(6)),
            ),
            tuple(
                (
                    f"{item.id} {item.title}",
                    frameworks[item.framework_id],
                    score(items[item.id]["current_mean"]),
                    score(items[item.id]["target_mean"]),
                    *items[item.id]["levels"],
                )
                for item in index.items
            ),
            numeric_from=2,
        )
    )
    ranked = sorted(
        (i for i in index.items if items[i.id]["current_mean"] is not None),
        key=lambda i: (items[i.id]["current_mean"], i.id),
    )[:WEAKEST]
    tables.append(
        ReportTable(
            "weakest",
            _("現在値の低い項目"),
            _("現在値の平均が低い%(weakest)s項目", weakest=WEAKEST),
            (_("項目"), _("現在値の平均"), _("目標値の平均")),
            tuple(
                (
                    f"{i.id} {i.title}",
                    score(items[i.id]["current_mean"]),
                    score(items[i.id]["target_mean"]),
                )
                for i in ranked
            ),
        )
    )
    kpis = kpi_figures.table_rows(report, SUPPRESSED_TEXT, CARRIED_TEXT)
    if kpis is not None:
        tables.append(
            ReportTable(
                "kpis",
                _("定量指標"),
                _("選ばれた定量指標と進み具合（企業数、%(label)s）", label=focus.label),
                *kpis,
            )
        )
    try:
        ipa = reference.ipa_national_average(report.release.fiscal_year)
    except KeyError:
        ipa = None
    if ipa is not None:
        overall = focus.figures["overall"]
        tables.append(
            ReportTable(
                "ipa",
                _("全国平均（IPA公表値）との比較"),
                _(
                    "IPA公表の全国平均（%(data_year)s年度データ、%(companies)s社、%(published)s公表）との比較",
                    data_year=ipa.data_year,
                    companies=ipa.companies,
                    published=ipa.published,
                ),
                (_("区分"), focus.label, _("IPA公表の全国平均")),
                (
                    (_("現在値の平均"), score(overall["current_mean"]), score(ipa.current_mean)),
                    (_("目標値の平均"), score(overall["target_mean"]), score(ipa.target_mean)),
                    (
                        _("先行企業の割合（%）"),
                        percent(overall["leading_share"]),
                        percent(ipa.leading_share),
                    ),
                ),
            )
        )
    return tuple(tables)


NOT_COMPARABLE = lazy_gettext("比較不可")


def _bureaus_side_by_side(report: ScopeReport) -> ReportTable | None:
    """The national page: every bureau's framework means beside each other, from the same
    bureau cells as the 経済産業局別 table (nothing published that a bureau filter does not)."""
    bureaus = next((cells for t, cells in report.breakdowns if t.key == "bureau"), None)
    if bureaus is None:
        return None
    index = report.index
    columns = [_("経済産業局"), _("企業数")]
    for f in index.frameworks:
        columns += [
            _("%(name)s 現在値の平均", name=f.name),
            _("%(name)s 目標値の平均", name=f.name),
        ]
    rows = []
    for cell in bureaus:
        if not cell.shown:
            rows.append((cell.label, SUPPRESSED_TEXT))
            continue
        row = [cell.label, cell.figures["n"]]
        for f in index.frameworks:
            part = cell.figures["frameworks"][f.id]
            row += [score(part["current_mean"]), score(part["target_mean"])]
        rows.append((*row, cell.note))
    return ReportTable(
        "bureau_frameworks",
        _("経済産業局別・枠組み別"),
        _("経済産業局別・枠組み別の平均レベル（各局を並べて比較）"),
        (*columns, _("備考")),
        tuple(rows),
    )


def _change(before, after):
    return None if before is None or after is None else after - before


def _panel_table(report: ScopeReport) -> ReportTable | None:
    """Year over year for the companies that submitted in both years (the focus cell's panel);
    shown when the panel has figures or a previous year was released (then 非公表 means it)."""
    panel = report.panel
    if panel is None or not (panel.shown or report.previous_year_released):
        return None
    year = report.release.fiscal_year
    columns = (
        _("区分"),
        _("企業数"),
        _("%(year)s年度 現在値の平均", year=year - 1),
        _("%(year)s年度 現在値の平均", year=year),
        _("現在値の増減"),
        _("%(year)s年度 目標値の平均", year=year - 1),
        _("%(year)s年度 目標値の平均", year=year),
        _("目標値の増減"),
        _("備考"),
    )
    title = _("前年度との比較（両年度に提出した企業のみ、%(label)s）", label=report.focus.label)
    heading = _("前年度との比較（継続提出企業）")
    if not panel.shown:
        return ReportTable("panel", heading, title, columns, ((_("全体"), SUPPRESSED_TEXT),))
    figures = panel.figures
    notes = [panel.note] if panel.note else []
    index = report.index
    for version, count in figures["comparable_items"].items():
        if version != index.version_id:
            notes.append(
                _(
                    "前年度は指標 %(version)s: 対応する%(count)s項目のみ比較",
                    version=version,
                    count=count,
                )
            )
    rows = []
    for row in panel_rows(figures, index):
        if row.figures is None:
            rows.append((row.label, figures["n"], *([str(NOT_COMPARABLE)] * 6), "; ".join(notes)))
            continue
        f = {name: score(value) for name, value in row.figures.items()}
        rows.append(
            (
                row.label,
                figures["n"],
                f["previous_current"],
                f["current"],
                _change(f["previous_current"], f["current"]),
                f["previous_target"],
                f["target"],
                _change(f["previous_target"], f["target"]),
                "; ".join(notes),
            )
        )
    return ReportTable("panel", heading, title, columns, tuple(rows))


def report_heading(report: ScopeReport) -> list[list]:
    """The lines above the tables in the CSV (and the first sheet of the .xlsx)."""
    release = report.release
    lines = [
        [_("DX推進指標 自己診断 集計"), report.name],
        [_("公表回"), release.label if release else _("公表済みの集計なし")],
    ]
    if report.focus is not None and report.focus.key != C.scope_total(report.scope):
        lines.append([_("絞り込み"), report.focus.label])
    lines.append(
        [
            _(
                "注記: 数値は公表時点の集計です。"
                "%(min_companies)s社未満の区分、"
                "前回公表から%(min_companies)s社未満しか変わっていない区分、"
                "差し引きで個社が分かる区分は表示しません（%(carried_text)sがある場合はそれを表示します）。",
                min_companies=MIN_COMPANIES,
                carried_text=CARRIED_TEXT,
            )
        ]
    )
    if report.focus is not None and not report.focus.shown:
        lines.append([_("この区分の数値は公表していません。")])
    return lines
