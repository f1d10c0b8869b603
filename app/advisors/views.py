"""Advisor grants (owner side), the advisor's client list, and assessment comments."""

from dataclasses import dataclass

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    url_for,
)
from flask_login import current_user
from markupsafe import Markup

from app.access import can, get_assessment_or_404, get_company_or_404
from app.advisors import services
from app.advisors.forms import CommentForm, GrantForm
from app.advisors.services import GrantError, NotFound
from app.extensions import limiter
from app.members.forms import ConfirmForm
from app.web.guards import roles_required

bp = Blueprint("advisors", __name__)


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
    flash(f"{granted.advisor.email} に「{scope}」の権限を付与しました。", "success")
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
        flash(f"{revoked.advisor.email} のアクセス権を取り消しました。", "success")
    return redirect(url_for("advisors.grants", company_id=company.id))


@bp.route("/advisor/clients")
@roles_required("advisor")
def clients():
    return render_template(
        "advisors/clients.html",
        rows=services.client_rows(current_user),
        scope_labels=services.SCOPE_LABELS,
    )


# --- comments ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CommentThread:
    comments: list
    can_comment: bool
    box: Markup | None  # an empty comment box, for those who may comment


def comment_thread(assessment) -> CommentThread:
    """What templates/assessments/_comments.html draws (called from the review/results pages)."""
    allowed = can(current_user, "comment", assessment.company_id)
    return CommentThread(
        comments=services.comments_on(assessment),
        can_comment=allowed,
        box=_empty_comment_box() if allowed else None,
    )


def _empty_comment_box() -> Markup:
    """An empty comment box never varies, and building and drawing a CommentForm with WTForms
    cost more than the rest of the comments panel: it is rendered once per app (keyed by the
    template too, so that template auto-reload in development picks up an edit)."""
    template = current_app.jinja_env.get_template("advisors/_comment_box.html")
    cache = current_app.extensions.setdefault("empty_comment_box", {})
    if template not in cache:
        cache[template] = template.module.comment_box(CommentForm(formdata=None))
    return cache[template]


@bp.app_context_processor
def comment_helpers():
    return {"comment_thread": comment_thread}


def _page_of(assessment) -> str:
    endpoint = "assessments.results" if assessment.status == "submitted" else "assessments.review"
    return url_for(endpoint, assessment_id=assessment.id, _anchor="comments")


@bp.route("/assessments/<int:assessment_id>/comments", methods=["POST"])
@roles_required("member", "advisor")
def add_comment(assessment_id):
    assessment = get_assessment_or_404(assessment_id, "view")
    if not can(current_user, "comment", assessment.company_id):
        abort(403)  # they can see the assessment, so 403 reveals nothing
    form = CommentForm()
    if not form.validate_on_submit():
        return render_template(
            "advisors/comment_form.html",
            assessment=assessment,
            company=assessment.company,
            form=form,
            back_url=_page_of(assessment),
        ), 400
    services.add_comment(assessment, current_user, form.body.data)
    flash("コメントを投稿しました。", "success")
    return redirect(_page_of(assessment))
