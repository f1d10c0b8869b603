"""Downloads and the Excel import: thin views (load-and-authorise, call a service, respond).

Company members only: owner, editor and viewer download; owner and editor import. Advisors and
bureau staff get 404 like any page of another kind of account (app/web/guards.py).
"""

import json

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from app.access import can, get_assessment_or_404, get_company_or_404
from app.exchange import history, services
from app.exchange import workbook as wbk
from app.exchange.forms import ImportForm
from app.extensions import db
from app.indexes import services as index_versions
from app.kpis.services import current_fiscal_year
from app.models import Assessment
from app.web.downloads import content_disposition
from app.web.forms import ConfirmForm
from app.web.guards import roles_required
from app.web.input_guard import accepts_files

bp = Blueprint("exchange", __name__)

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _download(body, mimetype: str, names: tuple[str, str]) -> Response:
    return Response(
        body,
        mimetype=mimetype,
        headers={
            "Content-Disposition": content_disposition(*names),
            "Cache-Control": "no-store",
        },
    )


def _hub(company, form, problems=(), status=200):
    assessments = db.session.scalars(
        db.select(Assessment)
        .where(Assessment.company_id == company.id)
        .order_by(Assessment.fiscal_year.desc())
    ).all()
    return render_template(
        "exchange/index.html",
        company=company,
        assessments=assessments,
        form=form,
        problems=problems,
        can_edit=can(current_user, "edit", company.id),
        max_mb=wbk.MAX_FILE_BYTES // (1024 * 1024),
    ), status


def _import_form(company) -> ImportForm:
    form = ImportForm()
    form.set_years(current_fiscal_year(company))
    return form


@bp.route("/companies/<int:company_id>/exchange")
@roles_required("member")
def index(company_id):
    company = get_company_or_404(company_id, "view")
    form = _import_form(company)
    form.fiscal_year.data = current_fiscal_year(company)
    return _hub(company, form)


@bp.route("/assessments/<int:assessment_id>/export.xlsx")
@roles_required("member")
def export_xlsx(assessment_id):
    assessment = get_assessment_or_404(assessment_id, "view")
    body = services.export_xlsx(assessment)
    return _download(body, XLSX_MIMETYPE, services.xlsx_names(assessment))


@bp.route("/companies/<int:company_id>/history.csv")
@roles_required("member")
def history_csv(company_id):
    company = get_company_or_404(company_id, "view")
    return _download(
        history.history_csv(company).encode("utf-8"),
        "text/csv; charset=utf-8",
        history.download_names(company, "csv"),
    )


@bp.route("/companies/<int:company_id>/history.json")
@roles_required("member")
def history_json(company_id):
    company = get_company_or_404(company_id, "view")
    body = json.dumps(history.history(company), ensure_ascii=False, indent=2)
    return _download(
        body.encode("utf-8"), "application/json", history.download_names(company, "json")
    )


@bp.route("/companies/<int:company_id>/import", methods=["POST"])
@accepts_files("workbook")
@roles_required("member")
def upload(company_id):
    company = get_company_or_404(company_id, "edit")
    form = _import_form(company)
    if not form.validate_on_submit():
        return _hub(company, form, status=400)
    file = form.workbook.data
    data = file.read(wbk.MAX_FILE_BYTES + 1)
    try:
        upload = services.prepare_import(
            company,
            current_user,
            form.fiscal_year.data,
            data,
            file.filename or "",
            index_versions.default_version(),
        )
    except wbk.WorkbookRejected as exc:
        return _hub(company, form, problems=[str(p) for p in exc.problems], status=400)
    return redirect(url_for("exchange.preview", company_id=company.id, token=upload.id))


def _own_upload(company, token):
    upload = services.load_upload(token, company.id, current_user)
    if upload is None:
        abort(404)
    return upload


@bp.route("/companies/<int:company_id>/import/<token>")
@roles_required("member")
def preview(company_id, token):
    company = get_company_or_404(company_id, "edit")
    upload = _own_upload(company, token)
    if upload.applied_at is not None:
        return _after_apply(upload)
    return render_template(
        "exchange/preview.html",
        company=company,
        preview=services.preview(upload, company),
        form=ConfirmForm(),
    )


def _after_apply(upload):
    flash(_("この読み込みは既に反映されています。"), "info")
    if upload.assessment_id:
        return redirect(url_for("assessments.review", assessment_id=upload.assessment_id))
    return redirect(url_for("exchange.index", company_id=upload.company_id))


@bp.route("/companies/<int:company_id>/import/<token>/apply", methods=["POST"])
@roles_required("member")
def apply(company_id, token):
    company = get_company_or_404(company_id, "edit")
    upload = _own_upload(company, token)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    if upload.applied_at is not None:
        return _after_apply(upload)
    try:
        assessment = services.apply_import(upload, company, current_user)
    except services.ImportRefused as exc:
        db.session.expire_all()
        upload = services.load_upload(token, company.id, current_user)
        if upload is not None and upload.applied_at is not None:
            return _after_apply(upload)
        form = _import_form(company)
        form.fiscal_year.data = upload.fiscal_year if upload else None
        return _hub(company, form, problems=[str(exc)], status=409)
    flash(
        _(
            "%(fiscal_year)s年度の回答にブックの内容を反映しました。内容を確認して提出してください。",
            fiscal_year=assessment.fiscal_year,
        ),
        "success",
    )
    return redirect(url_for("assessments.review", assessment_id=assessment.id))
