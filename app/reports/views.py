"""Bureau reports: the signed-in bureau's (or the nation's) released figures, as a page, CSV and
.xlsx. Everything is read from stored releases (app/reports/releases.py), never live answers."""

from flask import Blueprint, Response, current_app, render_template, request, stream_with_context
from flask_login import current_user
from werkzeug.wsgi import wrap_file

from app.audit import record
from app.extensions import limiter
from app.reports import charts
from app.reports.cells import filter_choices
from app.reports.disclosure import MIN_COMPANIES
from app.reports.exports import (
    download_names,
    report_csv_chunks,
    report_xlsx_file,
    write_report_xlsx,
)
from app.reports.services import CARRIED_TEXT, SUPPRESSED_TEXT, report_tables, requested_report
from app.web.downloads import content_disposition
from app.web.guards import roles_required

bp = Blueprint("reports", __name__, url_prefix="/bureau")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _export_limit():
    return current_app.config["REPORT_EXPORT_LIMITS"]


def _export_key() -> str:
    return f"report-export:{current_user.id}"


def _query(report) -> dict:
    query = {}
    if report is not None and report.release is not None:
        query["release"] = report.release.id
    if report is not None and report.filter is not None:
        query[report.filter[0]] = report.filter[1]
    return query


@bp.route("/reports")
@roles_required("bureau")
def index():
    report, notices = requested_report(current_user.bureau_code, request.args)
    tables = report_tables(report) if report is not None else ()
    return render_template(
        "reports/index.html",
        report=report,
        notices=notices,
        tables=tables,
        distribution=charts.distribution(report) if tables else None,
        bureau_chart=charts.bureau_means(report) if tables else None,
        choices=filter_choices(report.scope) if report is not None else {},
        query=_query(report),
        suppressed_text=SUPPRESSED_TEXT,
        carried_text=CARRIED_TEXT,
        min_companies=MIN_COMPANIES,
    )


# One budget for both formats (a CSV and an .xlsx are the same figures).
export_limit = limiter.shared_limit(_export_limit, scope="report-export", key_func=_export_key)


def _export(kind: str):
    report, _ = requested_report(current_user.bureau_code, request.args)
    if report is None:
        return index()
    ascii_name, utf8_name = download_names(report, kind)
    record(
        "export",
        details={
            "report": "bureau",
            "format": kind,
            "bureau": report.scope,
            "release": report.release.id if report.release else None,
            "fiscal_year": report.release.fiscal_year if report.release else None,
            "filter": list(report.filter) if report.filter else None,
        },
        commit=True,
    )
    # Streamed: the CSV chunk by chunk, the .xlsx from a temporary file (closed, so deleted,
    # when the response is).
    if kind == "csv":
        body, mimetype = stream_with_context(report_csv_chunks(report)), "text/csv"
    else:
        target = report_xlsx_file()
        write_report_xlsx(report, target)
        target.seek(0)
        body, mimetype = wrap_file(request.environ, target), XLSX
    return Response(
        body,
        mimetype=mimetype,
        direct_passthrough=kind != "csv",
        headers={
            "Content-Disposition": content_disposition(ascii_name, utf8_name),
            "Cache-Control": "no-store",
        },
    )


@bp.route("/reports.csv")
@roles_required("bureau")
@export_limit
def export_csv():
    return _export("csv")


@bp.route("/reports.xlsx")
@roles_required("bureau")
@export_limit
def export_xlsx():
    return _export("xlsx")
