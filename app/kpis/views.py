"""KPI routes: thin (load-and-authorise, parse, call a service, render or redirect).

Pages are read with action "view" (members and advisors with a grant); every change needs
"edit", and a user who may view but not edit gets 403 on a POST.
"""

import re
from dataclasses import replace

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from app.access import can, get_company_or_404, load_indicator, load_indicator_with
from app.extensions import db
from app.kpis import progress, services
from app.kpis.catalogue import (
    catalogue,
    catalogue_version,
    example_of,
    find_example,
    suggested_direction,
)
from app.kpis.forms import (
    IndicatorEditForm,
    IndicatorForm,
    NewCycleForm,
    ReviseTargetForm,
    parse_value_inputs,
)
from app.kpis.value_types import VALUE_TYPES, input_text
from app.models import Indicator
from app.web.errors import render_error
from app.web.forms import ConfirmForm
from app.web.guards import roles_required
from questionnaires import load_index

bp = Blueprint("kpis", __name__)
YEAR_SUFFIX = re.compile(r"[0-9]{1,4}")  # str.isdigit() is true for "²", which int() refuses

VIEWERS = ("member", "advisor")


def _require_edit(company_id: int) -> None:
    if not can(current_user, "edit", company_id):
        abort(403)


# --- list, catalogue, create -------------------------------------------------------------------


@bp.route("/companies/<int:company_id>/kpis")
@roles_required(*VIEWERS)
def index(company_id):
    company = get_company_or_404(company_id, "view")
    as_of = services.current_fiscal_year(company)
    version = catalogue_version(company)
    return render_template(
        "kpis/index.html",
        company=company,
        rows=progress.company_indicator_progress(company.id, as_of),
        archived=services.archived_indicators(company.id),
        groups=catalogue(version),
        catalogue_version=version,
        catalogue_index=load_index(version),
        value_types=VALUE_TYPES,
        can_edit=can(current_user, "edit", company.id),
        as_of=as_of,
    )


@bp.route("/companies/<int:company_id>/kpis/new", methods=["GET", "POST"])
@roles_required("member")
def new(company_id):
    company = get_company_or_404(company_id, "view")
    _require_edit(company.id)
    current_year = services.current_fiscal_year(company)
    version = catalogue_version(company)
    if request.method == "GET":
        example = find_example(version, request.args.get("example"))
        if request.args.get("example") and example is None:
            abort(404)
        # The last completed year, so the first actual (the running year's) can be entered at once.
        data = {**_prefill(example), "baseline_year": str(current_year - 1)}
        form = IndicatorForm(current_year=current_year, formdata=None, data=data)
        return render_template("kpis/form.html", **_form_page(company, form, example))
    form = IndicatorForm(current_year=current_year)
    example = find_example(version, form.example_id.data)
    if form.example_id.data and example is None:
        abort(400)
    if form.validate_on_submit():
        try:
            indicator = services.create_indicator(
                company, replace(form.result, example_version=version), current_user
            )
        except services.KpiRefused as exc:
            _field_error(form, exc)
        else:
            flash(_("指標を追加しました。各年度の実績を入力してください。"), "success")
            return redirect(url_for("kpis.detail", indicator_id=indicator.id))
    return render_template("kpis/form.html", **_form_page(company, form, example)), 400


def _prefill(example) -> dict:
    if example is None:
        return {"value_type": "number", "direction": "higher"}
    return {
        "example_id": example.id,
        "name": example.name,
        "value_type": example.value_type,
        "unit": example.unit if example.value_type == "number" else "",
        "scale": "\n".join(example.scale or ()),
        "direction": suggested_direction(example),
    }


def _form_page(company, form, example, indicator=None) -> dict:
    return {
        "company": company,
        "form": form,
        "example": example,
        "indicator": indicator,
        "value_types": VALUE_TYPES,
    }


def _field_error(form, exc: services.KpiRefused) -> None:
    field = getattr(form, exc.field, None) if exc.field else None
    if field is not None:
        field.errors.append(str(exc))
    else:
        form.form_errors.append(str(exc))


# --- one indicator -----------------------------------------------------------------------------


@bp.route("/kpis/<int:indicator_id>")
@roles_required(*VIEWERS)
def detail(indicator_id):
    indicator, facts = load_indicator_with(services.DETAIL, indicator_id, "view")
    return _render_detail(indicator, facts=facts)


def _render_detail(
    indicator,
    *,
    facts=None,
    typed=None,
    value_errors=None,
    notice=None,
    revise_form=None,
    cycle_form=None,
    status=200,
):
    company = indicator.company
    current_year = services.current_fiscal_year(company)
    # facts: (next cycle's id, has revisions) read with the indicator on a GET (services.DETAIL)
    next_cycle_id, has_revisions = facts or (services.UNKNOWN, True)
    services.load_values_and_revisions(indicator, has_revisions)
    rows = {v.fiscal_year: v for v in indicator.values}  # oldest year first
    values = {year: v.value for year, v in rows.items()}
    editors = services.users_by_id(
        {v.entered_by_id for v in rows.values()} | {r.revised_by_id for r in indicator.revisions}
    )
    latest = services.last_actual_of(indicator, rows.values())
    can_edit = can(current_user, "edit", company.id) and indicator.archived_at is None
    cycle_baseline = latest.fiscal_year if latest else None
    if revise_form is None:
        revise_form = ReviseTargetForm(
            prefix="revise",
            formdata=None,
            data={
                "target_value": input_text(
                    indicator.target_value, indicator.value_type, indicator.scale
                ),
                "target_year": str(indicator.target_year),
            },
        )
    cycles = services.cycle_chain(indicator, next_cycle_id)
    return render_template(
        "kpis/detail.html",
        company=company,
        indicator=indicator,
        info=progress.indicator_progress(indicator, values, current_year),
        value_type=VALUE_TYPES[indicator.value_type],
        years=list(services.value_years(indicator)),
        rows=rows,
        typed=typed or {},
        value_errors=value_errors or {},
        notice=notice,
        input_of=lambda year: (
            (typed or {}).get(year)
            if year in (typed or {})
            else input_text(values.get(year), indicator.value_type, indicator.scale)
        ),
        enterable=lambda year: services.enterable(indicator, year, current_year),
        current_year=current_year,
        editors=editors,
        can_edit=can_edit,
        values_form=ConfirmForm(),
        revise_form=revise_form,
        cycle_form=cycle_form or NewCycleForm(prefix="cycle", formdata=None),
        can_new_cycle=can_edit and services.can_start_new_cycle(indicator, current_year, latest),
        cycle_baseline=cycle_baseline,
        latest=latest,
        cycles=cycles,
    ), status


@bp.route("/kpis/<int:indicator_id>/values", methods=["POST"])
@roles_required("member")
def save_values(indicator_id):
    indicator = load_indicator(indicator_id, "view")
    _require_edit(indicator.company_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if indicator.archived_at is not None:
        flash(_("終了したサイクルの実績は変更できません。"), "warning")
        return redirect(url_for("kpis.detail", indicator_id=indicator.id)), 303
    current_year = services.current_fiscal_year(indicator.company)
    allowed = {
        f"value-{y}": y
        for y in services.value_years(indicator)
        if services.enterable(indicator, y, current_year)
    }
    future = [
        name
        for name in request.form
        if name.startswith("value-")
        and name not in allowed
        and YEAR_SUFFIX.fullmatch(name.removeprefix("value-"))
        and int(name.removeprefix("value-")) > current_year
    ]
    if future:
        return _render_detail(
            indicator,
            notice=[_("まだ始まっていない年度の実績は入力できません。")],
            status=400,
        )
    problems, values, errors, typed = parse_value_inputs(
        request.form, "value-", allowed, lambda _y: (indicator.value_type, indicator.scale)
    )
    if problems or errors:
        return _render_detail(
            indicator,
            typed=typed,
            value_errors=errors,
            notice=problems
            or [_("入力内容にエラーがあります。各年度のメッセージを確認してください。")],
            status=400,
        )
    try:
        result = services.save_values(indicator, values, current_user)
    except services.KpiRefused as exc:
        return _render_detail(indicator, typed=typed, notice=[str(exc)], status=409)
    flash(
        _("実績を保存しました。") if result.total else _("変更はありませんでした。"),
        "success" if result.total else "info",
    )
    return redirect(url_for("kpis.detail", indicator_id=indicator.id))


@bp.route("/kpis/<int:indicator_id>/edit", methods=["GET", "POST"])
@roles_required("member")
def edit(indicator_id):
    indicator = load_indicator(indicator_id, "view")
    _require_edit(indicator.company_id)
    if indicator.archived_at is not None:
        flash(_("終了したサイクルの指標は変更できません。"), "warning")
        return redirect(url_for("kpis.detail", indicator_id=indicator.id))
    company = indicator.company
    current_year = services.current_fiscal_year(company)
    example = example_of(indicator, catalogue_version(company))
    if request.method == "GET":
        form = IndicatorEditForm(
            current_year=current_year,
            formdata=None,
            data={
                "example_id": indicator.example_id or "",
                "name": indicator.name,
                "definition": indicator.definition,
                "value_type": indicator.value_type,
                "unit": indicator.unit if indicator.value_type == "number" else "",
                "scale": "\n".join(indicator.scale or ()),
                "direction": indicator.direction,
                "baseline_year": str(indicator.baseline_year),
                "baseline_value": input_text(
                    indicator.baseline_value, indicator.value_type, indicator.scale
                ),
            },
        )
        return render_template("kpis/form.html", **_form_page(company, form, example, indicator))
    form = IndicatorEditForm(current_year=current_year)
    if request.form.get("example_id", indicator.example_id or "") != (indicator.example_id or ""):
        # The catalogue link is not editable: another value is refused, not silently ignored.
        return render_error(400, _("カタログの指標との対応は変更できません。"))
    form.example_id.data = indicator.example_id or ""
    if form.validate_on_submit():
        try:
            services.update_indicator(indicator, form.result, current_user)
        except services.KpiRefused as exc:
            _field_error(form, exc)
        else:
            flash(_("指標の定義を更新しました。"), "success")
            return redirect(url_for("kpis.detail", indicator_id=indicator.id))
    page = _form_page(company, form, example, db.session.get(Indicator, indicator_id))
    return render_template("kpis/form.html", **page), 400


@bp.route("/kpis/<int:indicator_id>/revise", methods=["POST"])
@roles_required("member")
def revise(indicator_id):
    indicator = load_indicator(indicator_id, "view")
    _require_edit(indicator.company_id)
    form = ReviseTargetForm(prefix="revise")
    if not form.validate_for(indicator):
        return _render_detail(indicator, revise_form=form, status=400)
    try:
        services.revise_target(
            indicator,
            form.new_target,
            form.new_year,
            (form.reason.data or "").strip(),
            current_user,
        )
    except services.KpiRefused as exc:
        _field_error(form, exc)
        return _render_detail(db.session.get(Indicator, indicator_id), revise_form=form, status=400)
    flash(_("目標を見直しました。変更前の目標は履歴に残っています。"), "success")
    return redirect(url_for("kpis.detail", indicator_id=indicator.id))


@bp.route("/kpis/<int:indicator_id>/cycle", methods=["POST"])
@roles_required("member")
def new_cycle(indicator_id):
    indicator = load_indicator(indicator_id, "view")
    _require_edit(indicator.company_id)
    latest = services.last_actual(indicator)
    form = NewCycleForm(prefix="cycle")
    if latest is None or not form.validate_for(indicator, latest.fiscal_year):
        if latest is None:
            form.form_errors.append(_("新しいサイクルの基準にする実績がありません。"))
        return _render_detail(indicator, cycle_form=form, status=400)
    try:
        successor = services.start_new_cycle(
            indicator, form.new_target, form.new_year, current_user
        )
    except services.KpiRefused as exc:
        form.form_errors.append(str(exc))
        return _render_detail(db.session.get(Indicator, indicator_id), cycle_form=form, status=400)
    flash(_("第%(cycle)sサイクルを始めました。", cycle=successor.cycle), "success")
    return redirect(url_for("kpis.detail", indicator_id=successor.id))
