"""Advisor grants (owner side), the advisor's client list, portfolio and meeting report."""

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from app.access import get_company_or_404
from app.advisors import cache, list_frame, portfolio, report, row_text, services
from app.advisors.forms import GrantForm
from app.advisors.services import GrantError, NotFound
from app.extensions import limiter
from app.models._time import utcnow
from app.web.forms import ConfirmForm
from app.web.guards import roles_required
from app.web.pdf import file_name_part, pdf_response, render_pdf

bp = Blueprint("advisors", __name__)
bp.record_once(lambda state: cache.init_app(state.app))


def _grant_limit():
    return current_app.config["GRANT_LIMITS"]


def _grant_key() -> str:
    # Per owner account: the neutral answer must not become an advisor-address oracle.
    return f"grant:{current_user.id}"


def _grants_page(company, form=None, status=200):
    return render_template(
        "advisors/grants.html",
        company=company,
        grants=services.active_grants(company),
        form=form or GrantForm(formdata=None),
        scope_labels=services.SCOPE_LABELS,
    ), status


@bp.route("/companies/<int:company_id>/advisors")
@roles_required("member")
def grants(company_id):
    company = get_company_or_404(company_id, "manage")
    return _grants_page(company)


@bp.route("/companies/<int:company_id>/advisors", methods=["POST"])
@roles_required("member")
@limiter.limit(_grant_limit, key_func=_grant_key)
def grant(company_id):
    company = get_company_or_404(company_id, "manage")
    form = GrantForm()
    if not form.validate_on_submit():
        return _grants_page(company, form, 400)
    try:
        granted = services.grant_access(company, form.email.data, form.scope.data, current_user)
    except GrantError as exc:
        form.email.errors.append(str(exc))
        return _grants_page(company, form, 400)
    scope = services.SCOPE_LABELS[granted.scope]
    flash(
        _(
            "%(email)s に「%(scope)s」の権限を付与しました。",
            email=granted.advisor.email,
            scope=scope,
        ),
        "success",
    )
    return redirect(url_for("advisors.grants", company_id=company.id))


@bp.route("/companies/<int:company_id>/advisors/<int:grant_id>/revoke", methods=["POST"])
@roles_required("member")
def revoke(company_id, grant_id):
    company = get_company_or_404(company_id, "manage")
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        revoked = services.revoke_grant(company, grant_id, current_user)
    except NotFound:
        abort(404)
    except GrantError as exc:
        flash(str(exc), "warning")
    else:
        flash(_("%(email)s のアクセス権を取り消しました。", email=revoked.advisor.email), "success")
    return redirect(url_for("advisors.grants", company_id=company.id))


@bp.route("/advisor/clients")
@roles_required("advisor")
def clients():
    query = portfolio.parse_query(request.args)
    result = portfolio.client_page(current_user, query)
    return render_template(
        "advisors/clients.html",
        frame=list_frame.list_frame(query, result),
        rows_markup=row_text.draw_rows(result.rows, portfolio.SIZE_LABELS, portfolio.STATES),
    )


@bp.route("/advisor/portfolio")
@roles_required("advisor")
def portfolio_view():
    return render_template("advisors/portfolio.html", view=portfolio.portfolio_view(current_user))


@bp.route("/advisor/clients/<int:company_id>/report")
@roles_required("advisor")
def client_report(company_id):
    company = get_company_or_404(company_id, "view")
    return render_template(
        "advisors/report.html", company=company, r=report.meeting_report(company, current_user)
    )


def _pdf_limit():
    return current_app.config["PDF_LIMITS"]


def _pdf_key() -> str:
    return f"pdf:{current_user.id}"  # the same budget as the company's own 「PDFで保存」


@bp.route("/advisor/clients/<int:company_id>/report.pdf")
@roles_required("advisor")
@limiter.limit(_pdf_limit, key_func=_pdf_key)
def client_report_pdf(company_id):
    """The meeting report as a PDF (the same sections as the printable page)."""
    company = get_company_or_404(company_id, "view")
    html = render_template(
        "advisors/report_pdf.html",
        company=company,
        r=report.meeting_report(company, current_user),
        generated_at=utcnow(),
    )
    name = file_name_part(company.name)
    return pdf_response(
        render_pdf(html),
        _("面談レポート_%(name)s.pdf", name=name),
        f"meeting-report-{company.id}.pdf",
    )
