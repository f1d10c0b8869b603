"""KPI routes: thin (load-and-authorise, parse, call a service, render or redirect).

Pages are read with action "view" (members and advisors with a grant); every change needs
"edit", and a user who may view but not edit gets 403 on a POST.
"""

import re

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
from flask_login import current_user

from app.access import can, get_assessment_or_404, get_company_or_404, load_indicator
from app.assessments import services as assessment_services
from app.assessments.forms import KpiStepForm
from app.extensions import db
from app.kpis import progress, services
from app.kpis.catalogue import catalogue, find_example, suggested_direction
from app.kpis.forms import (
    IndicatorEditForm,
    IndicatorForm,
    NewCycleForm,
    PlainForm,
    ReviseTargetForm,
)
from app.kpis.value_types import VALUE_TYPES, BadValue, input_text, parse_value
from app.models import Indicator, User
from app.web.errors import render_error
from app.web.guards import roles_required

bp = Blueprint("kpis", __name__)
YEAR_SUFFIX = re.compile(r"[0-9]{1,4}")  # str.isdigit() is true for "²", which int() refuses

VIEWERS = ("member", "advisor")
MAX_ECHO = 100  # characters of a refused input shown back in the form


def _index_version() -> str:
    return current_app.config["INDEX_VERSION"]


def _require_edit(company_id: int) -> None:
    if not can(current_user, "edit", company_id):
        abort(403)


# --- list, catalogue, create -------------------------------------------------------------------


@bp.route("/companies/<int:company_id>/kpis")
@roles_required(*VIEWERS)
def index(company_id):
    company = get_company_or_404(company_id, "view")
    as_of = services.current_fiscal_year(company)
    return render_template(
        "kpis/index.html",
        company=company,
        rows=progress.company_indicator_progress(company.id, as_of),
        archived=services.archived_indicators(company.id),
        groups=catalogue(_index_version()),
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
    if request.method == "GET":
        example = find_example(_index_version(), request.args.get("example"))
        if request.args.get("example") and example is None:
            abort(404)
        data = {**_prefill(example), "baseline_year": str(current_year)}
        form = IndicatorForm(current_year=current_year, formdata=None, data=data)
        return render_template("kpis/form.html", **_form_page(company, form, example))
    form = IndicatorForm(current_year=current_year)
    example = find_example(_index_version(), form.example_id.data)
    if form.example_id.data and example is None:
        abort(400)
    if form.validate_on_submit():
        try:
            indicator = services.create_indicator(company, form.result, current_user)
        except services.KpiRefused as exc:
            _field_error(form, exc)
        else:
            flash("指標を追加しました。各年度の実績を入力してください。", "success")
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
    indicator = load_indicator(indicator_id, "view")
    return _render_detail(indicator)


def _render_detail(
    indicator,
    *,
    typed=None,
    value_errors=None,
    notice=None,
    revise_form=None,
    cycle_form=None,
    status=200,
):
    company = indicator.company
    current_year = services.current_fiscal_year(company)
    values = services.values_by_indicator([indicator.id])[indicator.id]
    rows = {v.fiscal_year: v for v in indicator.values}
    editors = _users(
        {v.entered_by_id for v in rows.values()} | {r.revised_by_id for r in indicator.revisions}
    )
    latest = services.last_actual(indicator)
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
    cycles = _cycle_chain(indicator)
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
        values_form=PlainForm(),
        revise_form=revise_form,
        cycle_form=cycle_form or NewCycleForm(prefix="cycle", formdata=None),
        can_new_cycle=can_edit and services.can_start_new_cycle(indicator, current_year, latest),
        cycle_baseline=cycle_baseline,
        latest=latest,
        cycles=cycles,
    ), status


def _users(ids) -> dict[int, User]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return {u.id: u for u in db.session.scalars(db.select(User).where(User.id.in_(ids)))}


def _cycle_chain(indicator) -> list[Indicator]:
    """Every cycle of this indicator, oldest first (linked through previous_id)."""
    chain = [indicator]
    seen = {indicator.id}
    while chain[0].previous_id is not None and chain[0].previous_id not in seen:
        previous = db.session.get(Indicator, chain[0].previous_id)
        if previous is None or previous.company_id != indicator.company_id:
            break
        chain.insert(0, previous)
        seen.add(previous.id)
    following = indicator
    while True:
        nxt = db.session.scalar(
            db.select(Indicator).where(
                Indicator.previous_id == following.id,
                Indicator.company_id == indicator.company_id,
            )
        )
        if nxt is None or nxt.id in seen:
            break
        chain.append(nxt)
        seen.add(nxt.id)
        following = nxt
    return chain


def parse_inputs(formdata, prefix: str, allowed: dict[str, object], value_type_of) -> tuple:
    """Parse one input per allowed field name (all starting with ``prefix``).

    Returns (problems, values, errors, typed): ``problems`` are tampering (unknown or repeated
    fields) and refuse the whole POST; ``values`` maps key -> Decimal | None for every posted
    allowed field; ``errors`` key -> message; ``typed`` key -> what was typed (to show back).
    """
    problems, values, errors, typed = [], {}, {}, {}
    for name in formdata:
        if name.startswith(prefix) and name not in allowed:
            problems.append(f"この画面にない入力欄が送信されました: {name[:40]}")
        elif name in allowed and len(formdata.getlist(name)) > 1:
            problems.append(f"同じ入力欄に複数の値が送信されました: {name[:40]}")
    for name, key in allowed.items():
        if name not in formdata:
            continue  # a field that was not sent leaves its stored value alone
        raw = formdata.get(name, "")
        typed[key] = raw[:MAX_ECHO]
        value_type, scale = value_type_of(key)
        try:
            values[key] = parse_value(raw, value_type, scale)
        except BadValue as exc:
            errors[key] = str(exc)
    return problems, values, errors, typed


@bp.route("/kpis/<int:indicator_id>/values", methods=["POST"])
@roles_required("member")
def save_values(indicator_id):
    indicator = load_indicator(indicator_id, "view")
    _require_edit(indicator.company_id)
    if not PlainForm().validate_on_submit():
        abort(400)
    if indicator.archived_at is not None:
        flash("終了したサイクルの実績は変更できません。", "warning")
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
            notice=["まだ始まっていない年度の実績は入力できません。"],
            status=400,
        )
    problems, values, errors, typed = parse_inputs(
        request.form, "value-", allowed, lambda _y: (indicator.value_type, indicator.scale)
    )
    if problems or errors:
        return _render_detail(
            indicator,
            typed=typed,
            value_errors=errors,
            notice=problems
            or ["入力内容にエラーがあります。各年度のメッセージを確認してください。"],
            status=400,
        )
    try:
        result = services.save_values(indicator, values, current_user)
    except services.KpiRefused as exc:
        return _render_detail(indicator, typed=typed, notice=[str(exc)], status=409)
    flash(
        "実績を保存しました。" if result.total else "変更はありませんでした。",
        "success" if result.total else "info",
    )
    return redirect(url_for("kpis.detail", indicator_id=indicator.id))


@bp.route("/kpis/<int:indicator_id>/edit", methods=["GET", "POST"])
@roles_required("member")
def edit(indicator_id):
    indicator = load_indicator(indicator_id, "view")
    _require_edit(indicator.company_id)
    if indicator.archived_at is not None:
        flash("終了したサイクルの指標は変更できません。", "warning")
        return redirect(url_for("kpis.detail", indicator_id=indicator.id))
    company = indicator.company
    current_year = services.current_fiscal_year(company)
    example = find_example(_index_version(), indicator.example_id)
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
        return render_error(400, "カタログの指標との対応は変更できません。")
    form.example_id.data = indicator.example_id or ""
    if form.validate_on_submit():
        try:
            services.update_indicator(indicator, form.result, current_user)
        except services.KpiRefused as exc:
            _field_error(form, exc)
        else:
            flash("指標の定義を更新しました。", "success")
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
    flash("目標を見直しました。変更前の目標は履歴に残っています。", "success")
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
            form.form_errors.append("新しいサイクルの基準にする実績がありません。")
        return _render_detail(indicator, cycle_form=form, status=400)
    try:
        successor = services.start_new_cycle(
            indicator, form.new_target, form.new_year, current_user
        )
    except services.KpiRefused as exc:
        form.form_errors.append(str(exc))
        return _render_detail(db.session.get(Indicator, indicator_id), cycle_form=form, status=400)
    flash(f"第{successor.cycle}サイクルを始めました。", "success")
    return redirect(url_for("kpis.detail", indicator_id=successor.id))


# --- the KPI step of the yearly questionnaire ------------------------------------------------


@bp.route("/assessments/<int:assessment_id>/kpis", methods=["GET", "POST"])
@roles_required(*VIEWERS)
def assessment_step(assessment_id):
    assessment = get_assessment_or_404(assessment_id, "view")
    company = assessment.company
    year = assessment.fiscal_year
    current_year = services.current_fiscal_year(company)
    indicators = services.active_indicators(company.id)
    by_id = {i.id: i for i in indicators}
    allowed = {f"kpi-{i.id}": i.id for i in indicators if services.enterable(i, year, current_year)}
    can_edit = can(current_user, "edit", company.id)
    editable = assessment.status == "draft" and can_edit
    notice, errors, typed, status = None, {}, {}, 200
    if request.method == "POST":
        if not can_edit:
            abort(403)
        if assessment.status != "draft":
            flash("この診断は提出済みです。実績は各指標のページで入力・修正できます。", "warning")
            return redirect(url_for("kpis.assessment_step", assessment_id=assessment.id)), 303
        if not KpiStepForm().validate_on_submit():
            abort(400)
        problems, values, errors, typed = parse_inputs(
            request.form, "kpi-", allowed, lambda iid: (by_id[iid].value_type, by_id[iid].scale)
        )
        if problems or errors:
            notice = problems or [
                "入力内容にエラーがあります。各指標のメッセージを確認してください。"
            ]
            status = 400
        else:
            try:
                if values:
                    services.save_year_for_many(
                        {by_id[iid]: value for iid, value in values.items()}, year, current_user
                    )
            except services.KpiRefused as exc:
                notice, status = [str(exc)], 409
            else:
                return _after_step(assessment)
    stored = services.values_by_indicator([i.id for i in indicators])
    return render_template(
        "kpis/assessment_step.html",
        assessment=assessment,
        company=company,
        index=assessment_services.index_of(assessment),
        statuses=assessment_services.step_statuses(assessment),
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
        form=PlainForm(),
    ), status


def _after_step(assessment):
    choice = request.form.get("nav", "next")
    if choice == "save_exit":
        flash("保存しました。続きはいつでも再開できます。", "success")
        return redirect(url_for("companies.dashboard", company_id=assessment.company_id))
    if choice == "back":
        last = assessment_services.index_of(assessment).steps[-1].id
        return redirect(url_for("assessments.step", assessment_id=assessment.id, step_id=last))
    return redirect(url_for("assessments.review", assessment_id=assessment.id))


@bp.app_template_global()
def kpi_step_summary(assessment) -> dict:
    """For the review page: how many of the company's indicators have this year's actual."""
    current_year = services.current_fiscal_year(assessment.company)
    indicators = [
        i
        for i in services.active_indicator_spans(assessment.company_id)
        if services.enterable(i, assessment.fiscal_year, current_year)
    ]
    stored = services.values_by_indicator([i.id for i in indicators])
    entered = sum(1 for i in indicators if assessment.fiscal_year in stored[i.id])
    return {"total": len(indicators), "entered": entered}


# --- progress ---------------------------------------------------------------------------------


@bp.route("/companies/<int:company_id>/progress")
@roles_required(*VIEWERS)
def company_progress(company_id):
    company = get_company_or_404(company_id, "view")
    as_of = services.current_fiscal_year(company)
    indicators = progress.company_indicator_progress(company.id, as_of)
    sets = progress.qualitative_sets(company.id, as_of)
    running = [s for s in sets if s.running] or sets[:1]
    return render_template(
        "kpis/progress.html",
        company=company,
        as_of=as_of,
        indicators=indicators,
        indicator_counts=progress.count_statuses(p.status for p in indicators),
        sets=sets,
        running=running,
        history=progress.score_history(company.id),
        labels=progress.STATUS_LABELS,
    )
