"""Company profile pages and the company dashboard."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.access import can, get_company_or_404, member_company_ids
from app.companies.form_limit import company_form_limit
from app.companies.forms import CompanyForm
from app.companies.overview import company_overview
from app.companies.services import (
    DuplicateCorporateNumber,
    create_company,
    profile_facts,
    update_company,
)
from app.extensions import db
from app.models import Company
from app.progress.comparison import change_texts, year_cards
from app.progress.qualitative import TARGET_STATUS_LABELS, running_target_summaries
from app.progress.submitted import submitted_years
from app.web.guards import roles_required

bp = Blueprint("companies", __name__, url_prefix="/companies")


@bp.route("/")
@roles_required("member")
def mine():
    ids = member_company_ids(current_user)
    companies = db.session.scalars(
        db.select(Company).where(Company.id.in_(ids)).order_by(Company.name)
    ).all()
    if len(companies) == 1:
        return redirect(url_for("companies.dashboard", company_id=companies[0].id))
    return render_template("companies/mine.html", companies=companies)


@bp.route("/new", methods=["GET", "POST"])
@roles_required("member")
@company_form_limit
def new():
    form = CompanyForm()
    if form.validate_on_submit():
        try:
            company = create_company(form, current_user)
        except DuplicateCorporateNumber as exc:
            form.corporate_number.errors.append(str(exc))
        else:
            flash(_("会社情報を登録しました。"), "success")
            return redirect(url_for("companies.dashboard", company_id=company.id))
    return render_template("companies/form.html", form=form, company=None)


@bp.route("/<int:company_id>")
@roles_required("member", "advisor")
def dashboard(company_id):
    company = get_company_or_404(company_id, "view")
    overview = company_overview(company)
    submitted = submitted_years(company.id)  # read once for the cards and the target sets
    cards = year_cards(company.id, submitted)  # a year being edited again: its last card
    return render_template(
        "companies/dashboard.html",
        company=company,
        facts=profile_facts(company),
        overview=overview,
        cards=cards,
        changes=change_texts(company.id, cards),
        target_sets=running_target_summaries(company.id, overview.current_fiscal_year, submitted),
        status_labels=TARGET_STATUS_LABELS,
        can_edit=can(current_user, "edit", company.id),
        can_manage=can(current_user, "manage", company.id),
        is_member=current_user.role == "member",  # exports and imports are for members only
    )


@bp.route("/<int:company_id>/edit", methods=["GET", "POST"])
@roles_required("member")
@company_form_limit
def edit(company_id):
    company = get_company_or_404(company_id, "edit")
    form = CompanyForm(obj=company)
    if form.validate_on_submit():
        try:
            update_company(form, company)
        except DuplicateCorporateNumber as exc:
            form.corporate_number.errors.append(str(exc))
        else:
            flash(_("会社情報を更新しました。"), "success")
            return redirect(url_for("companies.dashboard", company_id=company.id))
    return render_template("companies/form.html", form=form, company=company)
