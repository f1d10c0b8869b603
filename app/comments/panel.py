"""The comments panel of the review and results pages, built by the views that show it and
passed to templates/comments/_panel.html as `comments`."""

from dataclasses import dataclass

from flask import current_app
from flask_babel import get_locale
from markupsafe import Markup

from app.access import can
from app.comments.forms import CommentForm
from app.comments.services import comments_on


@dataclass(frozen=True)
class CommentPanel:
    comments: list
    can_comment: bool
    box: Markup | None  # an empty comment box, for those who may comment


def comment_panel(assessment, user, any_comment: bool = True) -> CommentPanel:
    """``any_comment``: False when the caller knows the assessment has none (page_state), so
    they are not read."""
    allowed = can(user, "comment", assessment.company_id)
    return CommentPanel(
        comments=comments_on(assessment) if any_comment else [],
        can_comment=allowed,
        box=_empty_comment_box() if allowed else None,
    )


def _empty_comment_box() -> Markup:
    """An empty box varies only with the language, so it is rendered once per app and locale
    (keyed by the template too, so that template auto-reload in development picks up an
    edit)."""
    template = current_app.jinja_env.get_template("comments/_comment_box.html")
    cache = current_app.extensions.setdefault("empty_comment_box", {})
    key = (template, str(get_locale()))
    if key not in cache:
        cache[key] = template.module.comment_box(CommentForm(formdata=None))
    return cache[key]
