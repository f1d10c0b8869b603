"""The bureau report as CSV and as .xlsx: the same tables as the page (services.report_tables),
the same titles, the same rounding (means and medians two decimals, percentages one), and every
text cell neutralised against formulas (app/web/cell_safety.py, shared by every export).

- CSV: UTF-8 with a BOM (Excel opens Japanese text correctly), RFC 4180 quoting, CRLF.
- .xlsx (openpyxl): a first sheet with the heading lines, then one sheet per table, named after
  the table's heading, with the table's title in its first row.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from app.reports.services import ScopeReport, report_heading, report_tables
from app.web.cell_safety import safe_cell as neutralise

BOM = "\ufeff"
SHEET_FORBIDDEN = str.maketrans({c: "_" for c in "[]:*?/\\"})


def report_lines(report: ScopeReport) -> list[list]:
    lines = report_heading(report)
    for table in report_tables(report):
        lines += [[], [table.title], list(table.columns)]
        lines += [list(row) for row in table.rows]
    return lines


def _text(value):
    value = neutralise(value)
    if isinstance(value, Decimal):
        return format(value, "f")  # keeps the places: 2.00, never 2 or 2.0
    return value


def report_csv(report: ScopeReport) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for line in report_lines(report):
        writer.writerow([_text(v) for v in line])
    return BOM + buffer.getvalue()


def _sheet_title(heading: str, used: set[str]) -> str:
    title = neutralise(heading).translate(SHEET_FORBIDDEN)[:28]
    name, n = title, 2
    while name in used:
        name, n = f"{title}{n}", n + 1
    used.add(name)
    return name


def _cell(sheet, row: int, column: int, value):
    value = neutralise(value)
    cell = sheet.cell(
        row=row, column=column, value=float(value) if isinstance(value, Decimal) else value
    )
    if isinstance(value, Decimal):
        places = -value.as_tuple().exponent
        cell.number_format = "0." + "0" * places if places > 0 else "0"
    return cell


def report_xlsx(report: ScopeReport) -> bytes:
    book = Workbook()
    first = book.active
    used: set[str] = set()
    first.title = _sheet_title(_("概要"), used)
    for r, line in enumerate(report_heading(report), start=1):
        for c, value in enumerate(line, start=1):
            _cell(first, r, c, value)
    for table in report_tables(report):
        sheet = book.create_sheet(_sheet_title(table.heading, used))
        _cell(sheet, 1, 1, table.title).font = Font(bold=True)
        for c, column in enumerate(table.columns, start=1):
            _cell(sheet, 2, c, column).font = Font(bold=True)
        for r, row in enumerate(table.rows, start=3):
            for c, value in enumerate(row, start=1):
                _cell(sheet, r, c, value)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def download_names(report: ScopeReport, extension: str) -> tuple[str, str]:
    """(ASCII fallback, UTF-8 name) for the Content-Disposition header."""
    release = report.release
    tag = f"{release.fiscal_year}-r{release.id}" if release else "none"
    jp = (
        _("%(fiscal_year)s年度_公表%(id)s", fiscal_year=release.fiscal_year, id=release.id)
        if release
        else _("公表なし")
    )
    return (
        f"dx-report-{report.scope}-{tag}.{extension}",
        _(
            "DX推進指標_集計_%(name)s_%(jp)s.%(extension)s",
            name=report.name,
            jp=jp,
            extension=extension,
        ),
    )
