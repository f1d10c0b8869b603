"""Questionnaire routes: thin (parse, load-and-authorise, call a service, render or redirect)."""

import logging
import re
from types import MappingProxyType

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from flask_login import current_user
from sqlalchemy.exc import OperationalError

from app.access import can, get_assessment_or_404, get_company_or_404, reads_assessment_with_user
from app.assessments import cache as assessment_cache
from app.assessments import services
from app.assessments.cache import results_parts
from app.assessments.forms import (
    CONFIRM_LOWER_TARGETS,
    ProfileConfirmForm,
    ReopenForm,
    StartForm,
    SubmitForm,
    goto_target,
    posted_values,
    tampering_problems,
)
from app.assessments.page_state import page_state, step_page_state
from app.assessments.rendering import (
    flow_url,
    flow_urls,
    form_values,
    fragments,
    progress_totals,
    stash_values,
    step_form,
)
from app.assessments.report import build_report
from app.assessments.stash import take_stash
from app.comments.panel import comment_panel
from app.companies.fiscal import startable_year_problem
from app.companies.services import profile_facts
from app.extensions import limiter
from app.indexes import services as index_versions
from app.kpis import services as kpi_services
from app.models._time import utcnow
from app.reviews.services import ReviewSet, reviews_of
from app.web.errors import render_error
from app.web.guards import roles_required
from app.web.pdf import file_name_part, pdf_response, render_pdf
from questionnaires import load_index

bp = Blueprint("assessments", __name__)
log = logging.getLogger(__name__)

DB_UNAVAILABLE = lazy_gettext(
    "データベースに一時的に接続できないため、保存できませんでした。"
    "入力内容は下のフォームに残っています（まだ保存されていません）。"
    "しばらく待ってから、もう一度保存してください。"
)

VIEWERS = ("member", "advisor")
NO_ERRORS = MappingProxyType({"current": (), "target": (), "evidence": (), "action": ()})


bp.add_app_template_global(flow_urls)


@bp.app_template_global()
def index_version_choices() -> list[tuple[str, str, bool]]:
    """(version, label, is default) of every version a company may start a year with."""
    default = index_versions.default_version()
    return [
        (v, _("%(title)s（%(version)s）", title=load_index(v).title, version=v), v == default)
        for v in index_versions.active_versions()
    ]


bp.add_app_template_global(progress_totals)
bp.add_app_template_global(assessment_cache.sidebar, "assessment_sidebar")


UNKNOWN_VERSION = lazy_gettext(
    "選べない指標の版です。画面を読み込み直して、有効な版を選んでください。"
)


@bp.route("/companies/<int:company_id>/assessments", methods=["POST"])
@roles_required("member")
def start(company_id):
    company = get_company_or_404(company_id, "edit")
    form = StartForm()
    if not form.validate():
        abort(400)
    year = int(form.fiscal_year.data)
    problem = startable_year_problem(year, company)
    if problem:
        return render_error(400, problem)
    version = form.index_version.data or index_versions.default_version()
    if version not in index_versions.active_versions():
        return render_error(
            400, _("選べない指標の版です。画面を読み込み直して、有効な版を選んでください。")
        )
    assessment = services.start_assessment(
        company,
        year,
        current_user,
        prefill=form.prefill.data,
        index_version=version,
    )
    return redirect(url_for("assessments.resume", assessment_id=assessment.id))


@bp.route("/assessments/<int:assessment_id>")
@roles_required(*VIEWERS)
def resume(assessment_id):
    assessment = get_assessment_or_404(assessment_id, "view")
    if assessment.status == "submitted":
        return redirect(url_for("assessments.results", assessment_id=assessment.id))
    if not can(current_user, "edit", assessment.company_id):
        return redirect(url_for("assessments.review", assessment_id=assessment.id))
    step_id = services.first_incomplete_step(assessment)
    if step_id == services.REVIEW_STEP:
        return redirect(url_for("assessments.review", assessment_id=assessment.id))
    return redirect(url_for("assessments.step", assessment_id=assessment.id, step_id=step_id))


def _common(assessment, answers=None, versions=None, kpi=None):
    """The layout's and sidebar's values; ``answers``, ``versions`` (or the saved steps' ids)
    and ``kpi`` when the view has read them already."""
    return {
        "assessment": assessment,
        "company": assessment.company,
        "index": services.index_of(assessment),
        "statuses": services.step_statuses(assessment, answers, versions),
        "can_edit": can(current_user, "edit", assessment.company_id),
        "editable": assessment.status == "draft"
        and can(current_user, "edit", assessment.company_id),
        # the sidebar's KPI step shows its count
        "kpi": kpi if kpi is not None else kpi_services.step_summary(assessment),
    }


@bp.route("/assessments/<int:assessment_id>/steps/profile", methods=["GET", "POST"])
@roles_required(*VIEWERS)
def profile_step(assessment_id):
    assessment = get_assessment_or_404(assessment_id, "view")
    form, status, notice = ProfileConfirmForm(), 200, None
    if request.method == "POST":
        if not can(current_user, "edit", assessment.company_id):
            abort(403)
        if form.validate_on_submit():
            try:
                services.confirm_profile(assessment)
            except services.AssessmentLocked:
                return _locked(assessment)
            except OperationalError:
                notice, status = database_failed(assessment, "profile confirmation")
            else:
                return redirect_after_save(assessment, services.PROFILE_STEP)
        else:
            status = 400
    return (
        render_template(
            "assessments/profile_step.html",
            form=form,
            facts=profile_facts(assessment.company),
            notice=notice,
            **_common(assessment),
        ),
        status,
        retry_after(status),
    )


def database_failed(assessment, what: str) -> tuple[list[str], int]:
    """A save that failed on the database (connection lost, lock timeout): the transaction is
    rolled back whole and the page comes back with what was typed, 503 (F1, issue 16)."""
    services.discard_failed_transaction()
    log.warning("%s of assessment %s failed", what, assessment.id, exc_info=True)
    return [DB_UNAVAILABLE], 503


def retry_after(status: int) -> dict:
    return {"Retry-After": "10"} if status == 503 else {}


def _stored_values(assessment, step_def) -> dict:
    answers = services.answer_rows(assessment)
    return {i: services.answer_values(answers.get(i)) for i in step_def.item_ids}


@bp.route("/assessments/<int:assessment_id>/steps/<step_id>", methods=["GET", "POST"])
@reads_assessment_with_user
@roles_required(*VIEWERS)
def step(assessment_id, step_id):
    # A save usually redirects: its company row is loaded only if the page is shown again.
    assessment = get_assessment_or_404(assessment_id, "view", with_company=request.method != "POST")
    index = services.index_of(assessment)
    if step_id == services.PROFILE_STEP:
        return redirect(url_for("assessments.profile_step", assessment_id=assessment.id))
    if not index.has_step(step_id):
        abort(404)
    step_def = index.step(step_id)
    notice, conflict, restored, status = None, None, False, 200
    answers, versions, kpi = None, None, None  # a save that succeeds never needs the rows
    if request.method == "POST":
        if not can(current_user, "edit", assessment.company_id):
            abort(403)
        if assessment.status != "draft":
            return _locked(assessment)
        form = step_form(assessment.index_version, step_id)()
        problems = tampering_problems(request.form, step_def)
        valid = not problems and form.validate_on_submit()
        values = None  # the posted values and their errors, if the page is shown again
        version = form.version.data
        if problems:
            notice, status = problems, 400
        elif not valid:
            notice = [_("入力内容にエラーがあります。各項目のメッセージを確認してください。")]
            status = 400
        else:
            posted = posted_values(form, step_def)
            if goto_target(form.nav.data) and posted == _stored_values(assessment, step_def):
                # A sidebar button on an untouched step: move on without marking it saved.
                return redirect_after_save(assessment, step_id)
            target = save_target(assessment, step_id)  # (the save expires `assessment`)
            try:
                conflict = services.save_step(
                    assessment,
                    step_def,
                    posted,
                    int(version),
                    current_user,
                    drop_stash="stash_id" in session,  # stashes are offered by this id only
                )
            except services.AssessmentLocked:
                return _locked(assessment)
            except OperationalError:
                notice, status = database_failed(assessment, "step save")
                answers = services.answer_rows(assessment)  # a fresh connection (pre-ping)
            else:
                if conflict is None:
                    return redirect_after_save(assessment, step_id, target)
                status = 409
                version = str(conflict.current_version)
    else:
        answers = services.answer_rows(assessment)
        values = {i: services.answer_values(answers.get(i)) for i in step_def.item_ids}
        versions, kpi = step_page_state(assessment)
        version = str(versions.get(step_id, 0))
        payload = None
        if assessment.status == "draft" and can(current_user, "edit", assessment.company_id):
            payload = take_stash(assessment, step_id, current_user, session.get("stash_id"))
        if payload is not None:
            # Shown once as a restored, unsaved draft; reloading the page discards it.
            session.pop("stash_id", None)
            values, restored = stash_values(payload, step_def, values), True
            # Saved at the version it was typed at: a save made meanwhile from another browser
            # (which leaves this stash alone) makes it a conflict showing both values.
            if re.fullmatch(r"[0-9]{1,9}", str(payload.get("version", ""))):
                version = payload["version"]
    if answers is None:  # a POST shown again (errors, conflict): the sidebar needs them all
        answers = services.answer_rows(assessment)
    if values is None:
        values = form_values(form, step_def)
    for row in values.values():
        row.setdefault("errors", NO_ERRORS)  # the template reads every part's errors
    headers = retry_after(status)
    return (
        render_template(
            "assessments/step.html",
            step=step_def,
            groups=fragments(index).groups[step_id],
            values=values,
            version=version,
            notice=notice,
            conflict=conflict,
            restored=restored,
            previous_step=services.neighbour_step(assessment, step_id, -1),
            **_common(assessment, answers, versions, kpi),
        ),
        status,
        headers,
    )


def save_target(assessment, step_id) -> tuple[str, str | None]:
    """Where a saved page of the flow goes (the dashboard, or its neighbour in step_sequence;
    the KPI step comes between the last questionnaire step and review) and the message to show
    there. Decided from the posted button before saving, while the assessment is loaded."""
    choice = request.form.get("nav", "next")
    goto = goto_target(choice)  # the forms accept only the flow's page ids here
    if goto:
        return flow_url(assessment, goto), None
    if choice == "save_exit":
        return (
            url_for("companies.dashboard", company_id=assessment.company_id),
            _("保存しました。続きはいつでも再開できます。"),
        )
    target = services.neighbour_step(assessment, step_id, -1 if choice == "back" else 1)
    return flow_url(assessment, target or services.REVIEW_STEP), None


def redirect_after_save(assessment, step_id, target=None):
    url, message = target or save_target(assessment, step_id)
    if message:
        flash(message, "success")
    return redirect(url)


def _locked(assessment):
    flash(
        _("この診断は提出済みのため変更できません。変更するには「再編集」を選んでください。"),
        "warning",
    )
    return redirect(url_for("assessments.results", assessment_id=assessment.id)), 303


def _reviews(assessment, answers, any_review=True):
    """The advisors' ratings and review points beside the answers (an advisor sees their own
    ratings; the company sees every advisor's); none read when ``any_review`` is False (the
    assessment has neither: page_state)."""
    if not any_review:
        return ReviewSet()
    own = current_user.id if current_user.role == "advisor" else None
    return reviews_of(assessment, answers, advisor_id=own)


@bp.route("/assessments/<int:assessment_id>/review")
@roles_required(*VIEWERS)
def review(assessment_id):
    assessment = get_assessment_or_404(assessment_id, "view")
    answers = services.answer_rows(assessment)
    state = page_state(assessment)  # the sidebar's and the lists' (read only when not empty)
    lower = services.lower_targets(assessment, answers)
    common = _common(assessment, answers, state.saved_steps, state.kpi)
    reviews = _reviews(assessment, answers, state.any_review)
    return render_template(
        "assessments/review.html",
        confirm_lower_label=CONFIRM_LOWER_TARGETS,
        answer_tables=assessment_cache.review_tables(  # drawn once per key of their rows
            assessment,
            answers,
            {item.id for item in lower},
            common["editable"],
            flow_urls(assessment),
            reviews,
        ),
        missing=services.missing_items(assessment, answers),
        lower=lower,
        revisions=services.revisions_newest_first(assessment) if state.any_revision else [],
        comments=comment_panel(assessment, current_user, state.any_comment),
        reviews=reviews,
        previous_step=services.neighbour_step(assessment, services.REVIEW_STEP, -1),
        **common,
    )


@bp.route("/assessments/<int:assessment_id>/submit", methods=["POST"])
@roles_required("member")
def submit(assessment_id):
    assessment = get_assessment_or_404(assessment_id, "edit")
    form = SubmitForm()
    if not form.validate_on_submit():
        abort(400)
    if assessment.status == "submitted":
        flash(_("この診断は既に提出されています。"), "info")
        return redirect(url_for("assessments.results", assessment_id=assessment.id))
    if services.lower_targets(assessment) and not form.confirm_lower_targets.data:
        flash(
            _("目標値が現在値を下回る項目があります。確認のチェックを入れてから提出してください。"),
            "warning",
        )
        return redirect(url_for("assessments.review", assessment_id=assessment.id))
    try:
        submitted = services.submit(assessment, int(form.version.data), current_user)
    except services.ProfileNotConfirmed:
        flash(
            _("会社情報の確認が済んでいないため提出できません。確認してから提出してください。"),
            "warning",
        )
        return redirect(url_for("assessments.profile_step", assessment_id=assessment.id))
    except services.IncompleteAssessment:
        flash(_("未回答の項目があるため提出できません。"), "warning")
        return redirect(url_for("assessments.review", assessment_id=assessment.id))
    if submitted:
        flash(_("提出しました。診断結果をご確認ください。"), "success")
    else:
        flash(_("この診断は既に提出されているか、他の画面で更新されています。"), "info")
    return redirect(url_for("assessments.results", assessment_id=assessment.id))


@bp.route("/assessments/<int:assessment_id>/results")
@roles_required(*VIEWERS)
def results(assessment_id):
    assessment = get_assessment_or_404(assessment_id, "view")
    shown = services.shown_version(assessment)  # the last submitted one while re-editing
    if shown is None:
        flash(_("診断結果は提出後に表示されます。"), "info")
        return redirect(url_for("assessments.review", assessment_id=assessment.id))
    answers = services.answer_rows(assessment)  # the reviews' and the sidebar's
    state = page_state(assessment)  # the sidebar's and the lists' (read only when not empty)
    return render_template(
        "assessments/results.html",
        parts=results_parts(assessment, shown),  # drawn once per shown version (cache.py)
        shown=shown,
        revisions=services.revisions_newest_first(assessment) if state.any_revision else [],
        comments=comment_panel(assessment, current_user, state.any_comment),
        reviews=_reviews(assessment, answers, state.any_review),
        **_common(assessment, answers, state.saved_steps, state.kpi),
    )


def _pdf_limit():
    return current_app.config["PDF_LIMITS"]


def _pdf_key() -> str:
    return f"pdf:{current_user.id}"


@bp.route("/assessments/<int:assessment_id>/report.pdf")
@roles_required(*VIEWERS)
@limiter.limit(_pdf_limit, key_func=_pdf_key)
def report_pdf(assessment_id):
    """「PDFで保存」: the results report of the version the results page shows."""
    assessment = get_assessment_or_404(assessment_id, "view")
    shown = services.shown_version(assessment)
    if shown is None:
        flash(_("診断結果は提出後にPDFで保存できます。"), "info")
        return redirect(url_for("assessments.review", assessment_id=assessment.id))
    company = assessment.company
    html = render_template(
        "assessments/report_pdf.html",
        report=build_report(assessment, shown),
        shown=shown,
        assessment=assessment,
        company=company,
        generated_at=utcnow(),
    )
    name = file_name_part(company.name)
    return pdf_response(
        render_pdf(html),
        _(
            "DX推進指標_自己診断結果_%(year)d年度_%(name)s.pdf",
            year=assessment.fiscal_year,
            name=name,
        ),
        f"dx-self-assessment-{assessment.fiscal_year}.pdf",
    )


@bp.route("/assessments/<int:assessment_id>/reopen/confirm")
@roles_required("member")
def confirm_reopen(assessment_id):
    """What reopening does, and the form that does it (with the version shown here)."""
    assessment = get_assessment_or_404(assessment_id, "edit")
    if assessment.status != "submitted":
        flash(_("この診断は既に再編集中です。"), "info")
        return redirect(url_for("assessments.resume", assessment_id=assessment.id))
    return render_template(
        "assessments/reopen_confirm.html",
        form=ReopenForm(version=str(assessment.version)),
        revision_number=services.next_revision_number(assessment),
        **_common(assessment),
    )


@bp.route("/assessments/<int:assessment_id>/reopen", methods=["POST"])
@roles_required("member")
def reopen(assessment_id):
    assessment = get_assessment_or_404(assessment_id, "edit")
    form = ReopenForm()
    if not form.validate_on_submit():
        abort(400)
    if services.reopen(assessment, int(form.version.data), current_user):
        flash(_("再編集できる状態に戻しました。提出済みの内容は履歴に残っています。"), "success")
        return redirect(url_for("assessments.review", assessment_id=assessment.id))
    flash(_("この診断は既に再編集中か、他の画面で更新されています。"), "info")
    return redirect(url_for("assessments.resume", assessment_id=assessment.id))


from app.assessments import kpi_step_views  # noqa: E402, F401 - adds the KPI step's route to bp
