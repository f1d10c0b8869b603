"""One item of an assessment beside the advisor's review: the company's answer, the advisors'
ratings and evidence checks, and the item's review points with their replies."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.access import can, get_assessment_or_404
from app.reviews import services
from app.reviews.forms import NO_RATING, RatingForm, ReviewCommentForm
from app.reviews.services import ReviewError
from app.web.forms import ConfirmForm
from app.web.guards import roles_required
from questionnaires import load_index

bp = Blueprint("reviews", __name__)


def _load(assessment_id: int, item_id: str, action: str = "view"):
    assessment = get_assessment_or_404(assessment_id, action)
    index = load_index(assessment.index_version)
    if not index.has_item(item_id):
        abort(404)
    return assessment, index, index.item(item_id)


def _item_page(assessment, index, item, rating_form=None, comment_form=None, status=200):
    answers = services.answers_of(assessment)
    own_only = current_user.id if current_user.role == "advisor" else None
    reviews = services.reviews_of(assessment, answers, advisor_id=own_only)
    review = reviews[item.id]
    if rating_form is None and current_user.role == "advisor":
        mine = next((r for r in review.ratings if r.rating.advisor_id == current_user.id), None)
        rating_form = RatingForm(formdata=None)
        if mine is not None:
            level = mine.rating.level
            rating_form.level.data = NO_RATING if level is None else str(level)
            rating_form.evidence_checked.data = (
                mine.rating.evidence_checked_at is not None and not mine.stale
            )
    ids = [i.id for i in index.items]
    position = ids.index(item.id)
    return render_template(
        "reviews/item.html",
        assessment=assessment,
        company=assessment.company,
        item=item,
        index=index,
        answer=answers.get(item.id),
        review=review,
        levels={level.value: level.name for level in index.levels},
        previous_id=ids[position - 1] if position > 0 else None,
        next_id=ids[position + 1] if position + 1 < len(ids) else None,
        may_rate=current_user.role == "advisor"
        and can(current_user, "comment", assessment.company_id),
        may_comment=can(current_user, "comment", assessment.company_id),
        may_open_point=current_user.role == "advisor",
        may_resolve=can(current_user, "edit", assessment.company_id),
        may_reopen=services.may_reopen(current_user, assessment.company_id),
        rating_form=rating_form,
        comment_form=comment_form or ReviewCommentForm(formdata=None),
        confirm=ConfirmForm(formdata=None),
    ), status


def _back(assessment, item_id):
    return redirect(
        url_for("reviews.item", assessment_id=assessment.id, item_id=item_id, _anchor="thread")
    )


@bp.route("/assessments/<int:assessment_id>/items/<item_id>")
@roles_required("member", "advisor")
def item(assessment_id, item_id):
    assessment, index, item = _load(assessment_id, item_id)
    return _item_page(assessment, index, item)


@bp.route("/assessments/<int:assessment_id>/items/<item_id>/rating", methods=["POST"])
@roles_required("member", "advisor")
def rate(assessment_id, item_id):
    assessment, index, item = _load(assessment_id, item_id)
    if current_user.role != "advisor" or not can(current_user, "comment", assessment.company_id):
        abort(403)  # they can see the assessment, so 403 reveals nothing
    form = RatingForm()
    if not form.validate_on_submit():
        return _item_page(assessment, index, item, rating_form=form, status=400)
    level = None if form.level.data == NO_RATING else int(form.level.data)
    services.save_rating(assessment, item.id, current_user, level, form.evidence_checked.data)
    flash(_("評価を保存しました。企業の回答は変更されません。"), "success")
    return _back(assessment, item.id)


@bp.route("/assessments/<int:assessment_id>/items/<item_id>/comments", methods=["POST"])
@roles_required("member", "advisor")
def comment(assessment_id, item_id):
    assessment, index, item = _load(assessment_id, item_id)
    if not can(current_user, "comment", assessment.company_id):
        abort(403)
    form = ReviewCommentForm()
    if not form.validate_on_submit():
        return _item_page(assessment, index, item, comment_form=form, status=400)
    parent_id = None
    if form.parent_id.data:
        if not form.parent_id.data.isascii() or not form.parent_id.data.isdigit():
            form.body.errors.append(_("返信先の指摘が見つかりません。"))
            return _item_page(assessment, index, item, comment_form=form, status=400)
        parent_id = int(form.parent_id.data[:12])
    elif current_user.role != "advisor":
        # Members answer the advisor's points; a new point is the advisor's.
        form.body.errors.append(_("返信する指摘を選んでください。"))
        return _item_page(assessment, index, item, comment_form=form, status=400)
    try:
        services.add_comment(assessment, item.id, current_user, form.body.data, parent_id)
    except ReviewError as exc:
        form.body.errors.append(str(exc))
        return _item_page(assessment, index, item, comment_form=form, status=400)
    flash(_("返信を投稿しました。") if parent_id else _("指摘を投稿しました。"), "success")
    return _back(assessment, item.id)


@bp.route("/review-comments/<int:comment_id>/resolve", methods=["POST"])
@roles_required("member", "advisor")
def resolve(comment_id):
    point = services.find_comment(comment_id)
    if point is None:
        abort(404)
    assessment = get_assessment_or_404(point.assessment_id, "edit")
    return _change_point(
        point,
        assessment,
        services.resolve_point,
        _("指摘を解決済みにしました。"),
        _("この指摘は既に解決済みです。"),
    )


@bp.route("/review-comments/<int:comment_id>/reopen", methods=["POST"])
@roles_required("member", "advisor")
def reopen(comment_id):
    point = services.find_comment(comment_id)
    if point is None:
        abort(404)
    assessment = get_assessment_or_404(point.assessment_id, "view")
    if not services.may_reopen(current_user, assessment.company_id):
        abort(403)  # they can see the assessment, so 403 reveals nothing
    return _change_point(
        point,
        assessment,
        services.reopen_point,
        _("指摘を未解決に戻しました。"),
        _("この指摘は既に未解決です。"),
    )


def _change_point(point, assessment, change, done_text: str, unchanged_text: str):
    """Resolve or reopen after the caller's access check: the confirmation form, the change,
    and a flash saying whether it changed anything (another tab may have got there first)."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        done = change(point, assessment, current_user)
    except ReviewError as exc:
        flash(str(exc), "warning")
        return _back(assessment, point.item_id)
    flash(done_text if done else unchanged_text, "success" if done else "info")
    return _back(assessment, point.item_id)
    if done:
        flash(_("指摘を未解決に戻しました。"), "success")
    else:
        flash(_("この指摘は既に未解決です。"), "info")
    return _back(assessment, point.item_id)
