"""Bureau reports: aggregates for the signed-in bureau's jurisdiction, as a page and as CSV."""

import re

from flask import Blueprint, Response, current_app, render_template, request
from flask_login import current_user

from app.audit import record
from app.extensions import db, limiter
from app.reports.aggregates import build_report, jurisdiction_of
from app.reports.csv_export import content_disposition, download_names, report_csv
from app.reports.stats import MIN_COMPANIES, SUPPRESSED_TEXT
from app.web.guards import roles_required

bp = Blueprint("reports", __name__, url_prefix="/bureau")

YEAR = re.compile(r"\A[0-9]{4}\Z")
VERSION = re.compile(r"\A[0-9A-Za-z._-]{1,32}\Z")


def _export_limit():
    return current_app.config["REPORT_EXPORT_LIMITS"]


def _export_key() -> str:
    return f"report-export:{current_user.id}"


def _requested_period() -> tuple[int | None, str | None, list[str]]:
    """The year and index version asked for in the query string, plus notices for bad input."""
    notices = []
    raw_year, raw_version = request.args.get("year", ""), request.args.get("version", "")
    year = int(raw_year) if YEAR.match(raw_year) else None
    if raw_year and year is None:
        notices.append("年度の指定が正しくないため、最新の年度を表示しています。")
    version = raw_version if VERSION.match(raw_version) else None
    return year, version, notices


def _load():
    jurisdiction = jurisdiction_of(current_user.bureau_code)
    year, version, notices = _requested_period()
    if jurisdiction is None:
        return None, notices
    report = build_report(jurisdiction, year, version)
    if year is not None and report.period is not None and report.period.fiscal_year != year:
        notices.append(f"{year}年度の提出データはありません。最新の年度を表示しています。")
    return report, notices


@bp.route("/reports")
@roles_required("bureau")
def index():
    report, notices = _load()
    return render_template(
        "reports/index.html",
        report=report,
        notices=notices,
        suppressed_text=SUPPRESSED_TEXT,
        min_companies=MIN_COMPANIES,
    )


@bp.route("/reports.csv")
@roles_required("bureau")
@limiter.limit(_export_limit, key_func=_export_key)
def export_csv():
    report, _ = _load()
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
    )
    db.session.commit()
    return Response(
        report_csv(report),
        mimetype="text/csv",
        headers={
            "Content-Disposition": content_disposition(ascii_name, utf8_name),
            "Cache-Control": "no-store",
        },
    )
