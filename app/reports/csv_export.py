"""The bureau report as CSV: the same tables as the page, same suppression, safe for Excel.

- UTF-8 with a BOM, so Excel opens Japanese text correctly; RFC 4180 quoting, CRLF line ends.
- Formula injection: a text cell starting with = + - @ TAB CR (or NUL) gets a leading ', so a
  spreadsheet shows it as text (app/web/cell_safety.py, shared with the company's exports).
  Numbers are written as numbers (a negative gap stays a number).
- Numbers are rounded by the page's own functions (app/web/numbers.py, rule R9: two decimals,
  half away from zero; shares as percentages with one decimal), written as exact decimals.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from app.reports.aggregates import BureauReport, Row
from app.reports.services import BREAKDOWNS, FIGURE_COLUMNS, ITEM_COLUMNS, ITEMS_TITLE
from app.reports.stats import MIN_COMPANIES, SUPPRESSED_TEXT
from app.web.cell_safety import safe_cell
from app.web.numbers import SCORE_PLACES, percent_value
from scoring import round_half_away

BOM = "\ufeff"


def score(value: float | None) -> Decimal | None:
    """A mean or median exactly as the page shows it (same rounding, same places)."""
    return round_half_away(value, SCORE_PLACES)


def _figures(row: Row) -> list:
    if row.suppressed:
        return [row.label, SUPPRESSED_TEXT]
    return [
        row.label,
        row.n,
        score(row.current.mean),
        score(row.current.median),
        score(row.target.mean),
        score(row.target.median),
        percent_value(row.leading_share),
    ]


def report_rows(report: BureauReport) -> list[list]:
    """Every line of the CSV, before escaping."""
    period = report.period
    lines: list[list] = [
        ["DX推進指標 自己診断 集計", report.jurisdiction.name],
        ["年度", f"{period.fiscal_year}年度" if period else "提出データなし"],
        ["指標の版", period.index_version if period else ""],
        ["提出企業数", SUPPRESSED_TEXT if report.suppressed else report.n_companies],
        [
            f"注記: {MIN_COMPANIES}社未満の区分は数値を表示しません（小さな区分の差し引きも防ぐため"
            "、必要に応じて他の区分も非表示にします）。"
        ],
    ]
    if report.suppressed:
        lines.append([f"集計対象の企業が{MIN_COMPANIES}社未満のため、数値は表示しません。"])
        return lines
    for breakdown in BREAKDOWNS:
        lines += [[], [breakdown.title], [breakdown.first_column, *FIGURE_COLUMNS]]
        lines += [_figures(row) for row in breakdown.rows(report)]
    lines += [[], [ITEMS_TITLE], list(ITEM_COLUMNS)]
    for item in report.items:
        label = f"{item.item_id} {item.title}"
        if item.suppressed:
            lines.append([label, item.framework, SUPPRESSED_TEXT])
        else:
            lines.append(
                [
                    label,
                    item.framework,
                    item.n,
                    score(item.current_mean),
                    score(item.target_mean),
                ]
            )
    return lines


def report_csv(report: BureauReport) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for line in report_rows(report):
        writer.writerow([safe_cell(v) for v in line])
    return BOM + buffer.getvalue()


def download_names(report: BureauReport) -> tuple[str, str]:
    """(ASCII fallback, UTF-8 name) for the Content-Disposition header."""
    year = report.period.fiscal_year if report.period else "none"
    ascii_name = f"dx-report-{report.jurisdiction.code}-{year}.csv"
    return ascii_name, f"DX推進指標_集計_{report.jurisdiction.name}_{year}年度.csv"
