"""Admin page of the bureau report releases: publish one for a fiscal year and index version,
list them (date, who, companies, cells), and check one against the live answers. Every change
is a POST with CSRF and is audited; the work is app/reports/releases.py's."""

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.admin.forms import ReleaseForm
from app.admin.views import bp
from app.audit import record
from app.extensions import db
from app.indexes import services as index_versions
from app.models import ReportRelease
from app.reports.release_list import release_rows
from app.reports.releases import ReleaseError, check_release, create_release
from app.web.forms import ConfirmForm
from app.web.guards import roles_required
from questionnaires import available_versions


def _form() -> ReleaseForm:
    form = ReleaseForm()
    form.index_version.choices = list(available_versions())
    if form.index_version.data is None:
        form.index_version.data = index_versions.default_version()
    return form


def _page(form, status=200):
    return (
        render_template(
            "admin/releases.html", form=form, rows=release_rows(), confirm=ConfirmForm()
        ),
        status,
    )


@bp.route("/releases", methods=["GET", "POST"])
@roles_required("admin")
def releases():
    form = _form()
    if not form.validate_on_submit():
        return _page(form, 400 if form.errors else 200)
    year, version = form.fiscal_year.number, form.index_version.data
    try:
        release = create_release(year, version, current_user)
    except ReleaseError as exc:
        flash(str(exc), "warning")
        return _page(form, 400)
    record(
        "report_released",
        details={
            "release": release.id,
            "fiscal_year": year,
            "index_version": version,
            "companies": release.companies,
        },
        commit=True,
    )
    flash(
        _(
            "%(year)s年度（指標 %(version)s）の集計を公表しました（公表回 %(id)s、%(n)s社）。",
            year=year,
            version=version,
            id=release.id,
            n=release.companies,
        ),
        "success",
    )
    return redirect(url_for("admin.releases"))


@bp.route("/releases/<int:release_id>/check", methods=["POST"])
@roles_required("admin")
def release_check(release_id):
    if db.session.get(ReportRelease, release_id) is None:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    compared, changed, differences = check_release(release_id)
    record(
        "report_checked",
        details={
            "release": release_id,
            "compared": compared,
            "changed": changed,
            "differences": len(differences),
        },
        commit=True,
    )
    message = _(
        "公表回 %(id)s: %(compared)s区分が現在の回答の集計と一致、"
        "%(changed)s区分は公表後に提出が変わっています。",
        id=release_id,
        compared=compared,
        changed=changed,
    )
    if differences:
        flash(message + _("一致しない区分: %(keys)s", keys=", ".join(differences[:20])), "warning")
    else:
        flash(message, "success")
    return redirect(url_for("admin.releases"))
