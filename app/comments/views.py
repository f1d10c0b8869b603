"""Posting a comment on an assessment (members and advisors with comment rights)."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.access import can, get_assessment_or_404
from app.comments import services
from app.comments.forms import CommentForm
from app.web.guards import roles_required

bp = Blueprint("comments", __name__)


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
            "comments/form.html",
            assessment=assessment,
            company=assessment.company,
            form=form,
            back_url=_page_of(assessment),
        ), 400
    services.add_comment(assessment, current_user, form.body.data)
    flash(_("コメントを投稿しました。"), "success")
    return redirect(_page_of(assessment))
