"""The bureau report as CSV and as .xlsx: the same tables as the page (services.report_tables),
the same titles, the same rounding (means and medians two decimals, percentages one), and every
text cell neutralised against formulas (app/web/cell_safety.py, shared by every export).

- CSV: UTF-8 with a BOM (Excel opens Japanese text correctly), RFC 4180 quoting, CRLF; produced
  line by line (``report_csv_chunks``) so the view streams it.
- .xlsx (openpyxl, write-only mode: rows go to the file as they are written, not kept as cell
  objects): a first sheet with the heading lines, then one sheet per table, named after the
  table's heading, with the table's title in its first row; written to a temporary file that the
  view streams.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterator
from decimal import Decimal
from typing import IO

from flask_babel import gettext as _

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


def report_csv_chunks(report: ScopeReport) -> Iterator[str]:
    """The CSV, one table (or the heading) per piece. The rows' texts are prepared here (a few
    hundred short rows; their words need the request's locale), the CSV text piece by piece
    as the response is sent, outside the request."""
    return _csv_pieces([[_text(v) for v in line] for line in report_lines(report)])


def _csv_pieces(lines: list[list]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    yield BOM
    for line in lines:
        if not line and buffer.tell():
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
        writer.writerow(line)
    yield buffer.getvalue()


def _sheet_title(heading: str, used: set[str]) -> str:
    title = neutralise(heading).translate(SHEET_FORBIDDEN)[:28]
    name, n = title, 2
    while name in used:
        name, n = f"{title}{n}", n + 1
    used.add(name)
    return name


def _cell(sheet, value, font=None):
    from openpyxl.cell import WriteOnlyCell

    value = neutralise(value)
    cell = WriteOnlyCell(sheet, value=float(value) if isinstance(value, Decimal) else value)
    if isinstance(value, Decimal):
        places = -value.as_tuple().exponent
        cell.number_format = "0." + "0" * places if places > 0 else "0"
    if font is not None:
        cell.font = font
    return cell


def write_report_xlsx(report: ScopeReport, target: IO[bytes]) -> None:
    # Imported here, not with the app: openpyxl (and Pillow) are ~7 MB of every worker's
    # memory, and few requests export (bench/README.md, third round).
    from openpyxl import Workbook
    from openpyxl.styles import Font

    bold = Font(bold=True)
    book = Workbook(write_only=True)
    used: set[str] = set()
    first = book.create_sheet(_sheet_title(_("概要"), used))
    for line in report_heading(report):
        first.append([_cell(first, value) for value in line])
    for table in report_tables(report):
        sheet = book.create_sheet(_sheet_title(table.heading, used))
        sheet.append([_cell(sheet, table.title, bold)])
        sheet.append([_cell(sheet, column, bold) for column in table.columns])
        for row in table.rows:
            sheet.append([_cell(sheet, value) for value in row])
    book.save(target)


def report_xlsx_file() -> IO[bytes]:
    """A temporary file (deleted when closed) to write the .xlsx to and stream from."""
    return tempfile.TemporaryFile(prefix="dx-report-", suffix=".xlsx")


def report_xlsx_chunks(report: ScopeReport, size: int = 64 * 2**10) -> Iterator[bytes]:
    """The .xlsx in pieces of ``size`` bytes. openpyxl's write-only workbook writes each sheet's
    rows to a temporary file as they are appended but zips the sheets only in ``save``, so the
    workbook is saved here to a temporary file (within the request: sheet titles need its
    locale) and that file is sent piece by piece; memory holds one piece, not the file."""
    target = report_xlsx_file()
    try:
        write_report_xlsx(report, target)
    except BaseException:
        target.close()
        raise
    target.seek(0)
    return _file_pieces(target, size)


def _file_pieces(target: IO[bytes], size: int) -> Iterator[bytes]:
    with target:
        while piece := target.read(size):
            yield piece


def download_names(report, extension: str) -> tuple[str, str]:
    """(ASCII fallback, UTF-8 name) for the Content-Disposition header; ``report`` is a
    ScopeReport or the ReportRequest naming it (scope, name, release)."""
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
