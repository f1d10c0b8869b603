"""The 定量指標 step of the yearly questionnaire: this year's actual of each active indicator."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import OperationalError

from app.access import can, get_assessment_or_404
from app.assessments import services
from app.assessments.forms import KpiStepForm
from app.assessments.views import VIEWERS, bp, database_failed, redirect_after_save, retry_after
from app.kpis import services as kpi_services
from app.kpis.forms import parse_value_inputs
from app.kpis.value_types import VALUE_TYPES, input_text
from app.web.guards import roles_required


@bp.route("/assessments/<int:assessment_id>/kpis", methods=["GET", "POST"])
@roles_required(*VIEWERS)
def kpi_step(assessment_id):
    assessment = get_assessment_or_404(assessment_id, "view")
    company = assessment.company
    year = assessment.fiscal_year
    current_year = kpi_services.current_fiscal_year(company)
    indicators = kpi_services.active_indicators(company.id)
    by_id = {i.id: i for i in indicators}
    allowed = {
        f"kpi-{i.id}": i.id for i in indicators if kpi_services.enterable(i, year, current_year)
    }
    can_edit = can(current_user, "edit", company.id)
    editable = assessment.status == "draft" and can_edit
    notice, errors, typed, status = None, {}, {}, 200
    if request.method == "POST":
        if not can_edit:
            abort(403)
        if assessment.status != "draft":
            flash(
                _("この診断は提出済みです。実績は各指標のページで入力・修正できます。"), "warning"
            )
            return redirect(url_for("assessments.kpi_step", assessment_id=assessment.id)), 303
        if not KpiStepForm().validate_on_submit():
            abort(400)
        problems, values, errors, typed = parse_value_inputs(
            request.form, "kpi-", allowed, lambda iid: (by_id[iid].value_type, by_id[iid].scale)
        )
        if problems or errors:
            notice = problems or [
                _("入力内容にエラーがあります。各指標のメッセージを確認してください。")
            ]
            status = 400
        else:
            try:
                if values:
                    kpi_services.save_year_for_many(
                        {by_id[iid]: value for iid, value in values.items()}, year, current_user
                    )
            except kpi_services.KpiRefused as exc:
                notice, status = [str(exc)], 409
            except OperationalError:  # the typed values come back in the form below
                notice, status = database_failed(assessment, "KPI step save")
            else:
                return redirect_after_save(assessment, services.KPI_STEP)
    stored = kpi_services.values_by_indicator([i.id for i in indicators])
    return (
        render_template(
            "assessments/kpi_step.html",
            assessment=assessment,
            company=company,
            index=services.index_of(assessment),
            statuses=services.step_statuses(assessment),
            kpi=kpi_services.step_summary(assessment),
            previous_step=services.neighbour_step(assessment, services.KPI_STEP, -1),
            next_step=services.neighbour_step(assessment, services.KPI_STEP, 1),
            can_edit=can_edit,
            editable=editable,
            indicators=indicators,
            allowed=set(allowed.values()),
            stored=stored,
            typed=typed,
            errors=errors,
            notice=notice,
            year=year,
            input_of=lambda ind: (
                typed[ind.id]
                if ind.id in typed
                else input_text(stored[ind.id].get(year), ind.value_type, ind.scale)
            ),
            value_types=VALUE_TYPES,
            form=KpiStepForm(),
        ),
        status,
        retry_after(status),
    )
