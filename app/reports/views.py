"""Bureau reports: aggregates for the signed-in bureau's jurisdiction, as a page and as CSV."""

from flask import Blueprint, Response, current_app, render_template, request
from flask_login import current_user

from app.audit import record
from app.extensions import limiter
from app.reports.csv_export import download_names, report_csv
from app.reports.services import (
    BREAKDOWNS,
    FIGURE_COLUMNS,
    ITEM_COLUMNS,
    ITEMS_HEADING,
    ITEMS_TITLE,
    requested_report,
)
from app.reports.stats import MIN_COMPANIES, SUPPRESSED_TEXT
from app.web.downloads import content_disposition
from app.web.guards import roles_required

bp = Blueprint("reports", __name__, url_prefix="/bureau")



def _export_limit():
    return current_app.config["REPORT_EXPORT_LIMITS"]


def _export_key() -> str:
    return f"report-export:{current_user.id}"


@bp.route("/reports")
@roles_required("bureau")
def index():
    report, notices = requested_report(current_user.bureau_code, request.args)
    return render_template(
        "reports/index.html",
        report=report,
        notices=notices,
        breakdowns=BREAKDOWNS,
        figure_columns=FIGURE_COLUMNS,
        items_heading=ITEMS_HEADING,
        items_title=ITEMS_TITLE,
        item_columns=ITEM_COLUMNS,
        suppressed_text=SUPPRESSED_TEXT,
        min_companies=MIN_COMPANIES,
    )


@bp.route("/reports.csv")
@roles_required("bureau")
@limiter.limit(_export_limit, key_func=_export_key)
def export_csv():
    report, _ = requested_report(current_user.bureau_code, request.args)
    if report is None:
        return index()
    ascii_name, utf8_name = download_names(report)
    record(
        "export",
        details={
            "report": "bureau",
            "format": "csv",
            "bureau": report.jurisdiction.code,
            "fiscal_year": report.period.fiscal_year if report.period else None,
            "index_version": report.period.index_version if report.period else None,
            "suppressed": report.suppressed,
        },
        commit=True,
    )
    return Response(
        report_csv(report),
        mimetype="text/csv",
        headers={
            "Content-Disposition": content_disposition(ascii_name, utf8_name),
            "Cache-Control": "no-store",
        },
    )
