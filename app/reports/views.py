"""Bureau reports: the signed-in bureau's (or the nation's) released figures, as a page, CSV and
.xlsx. Everything is read from stored releases (app/reports/releases.py), never live answers."""

from flask import (
    Blueprint,
    Response,
    current_app,
    render_template,
    request,
)
from flask_login import current_user
from markupsafe import Markup

from app.audit import record
from app.extensions import limiter
from app.reports import cache, charts
from app.reports.cells import filter_choices
from app.reports.disclosure import MIN_COMPANIES
from app.reports.exports import (
    download_names,
    report_csv_chunks,
    report_xlsx_chunks,
)
from app.reports.page_markup import distribution_bars_html, table_html
from app.reports.services import (
    CARRIED_TEXT,
    SUPPRESSED_TEXT,
    load_report,
    report_tables,
    resolve_request,
)
from app.web.downloads import content_disposition
from app.web.guards import roles_required

bp = Blueprint("reports", __name__, url_prefix="/bureau")
bp.record_once(lambda state: cache.init_app(state.app))

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _export_limit():
    return current_app.config["REPORT_EXPORT_LIMITS"]


def _export_key() -> str:
    return f"report-export:{current_user.id}"


def _query(asked) -> dict:
    query = {}
    if asked is not None and asked.release is not None:
        query["release"] = asked.release.id
    if asked is not None and asked.chosen is not None:
        query[asked.chosen[0]] = asked.chosen[1]
    return query


def _body(asked) -> str:
    """The report's content block (everything below the site's header), rendered from the
    release's cells; the same for every account of the scope."""
    report = load_report(asked)
    tables = report_tables(report)
    distribution = charts.distribution(report) if tables else None
    return render_template(
        "reports/index.html",
        body_only=True,
        report=report,
        notices=asked.notices,
        tables=[(t, table_html(t, SUPPRESSED_TEXT)) for t in tables],
        distribution=distribution,
        distribution_bars=distribution and distribution_bars_html(distribution),
        bureau_chart=charts.bureau_means(report) if tables else None,
        choices=filter_choices(report.scope),
        query=_query(asked),
        suppressed_text=SUPPRESSED_TEXT,
        carried_text=CARRIED_TEXT,
        min_companies=MIN_COMPANIES,
    )


@bp.route("/reports")
@roles_required("bureau")
def index():
    asked = resolve_request(current_user.bureau_code, request.args)
    if asked is None:
        return render_template("reports/index.html", report=None, notices=(), body_only=False)
    body = cache.cached("page", asked, lambda: _body(asked))
    return render_template("reports/page.html", report=asked, body=Markup(body))  # noqa: S704 - our own autoescaped render


# One budget for both formats (a CSV and an .xlsx are the same figures).
export_limit = limiter.shared_limit(_export_limit, scope="report-export", key_func=_export_key)


def _encoded(chunks):
    return (chunk.encode() for chunk in chunks)


def _export(kind: str):
    asked = resolve_request(current_user.bureau_code, request.args)
    if asked is None:
        return index()
    ascii_name, utf8_name = download_names(asked, kind)
    record(
        "export",
        details={
            "report": "bureau",
            "format": kind,
            "bureau": asked.scope,
            "release": asked.release.id if asked.release else None,
            "fiscal_year": asked.release.fiscal_year if asked.release else None,
            "filter": list(asked.chosen[:2]) if asked.chosen else None,
        },
        commit=True,
    )
    # Streamed: the stored bytes of an earlier request in pieces, or (a miss) the cells read
    # here and the file written while it is sent, then kept (app/reports/cache.py).
    if kind == "csv":
        pieces = cache.streamed(
            "csv", asked, lambda: _encoded(report_csv_chunks(load_report(asked)))
        )
        mimetype = "text/csv"
    else:
        pieces = cache.streamed("xlsx", asked, lambda: report_xlsx_chunks(load_report(asked)))
        mimetype = XLSX
    return Response(
        pieces,
        mimetype=mimetype,
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
