"""Mail about a new comment: an advisor's comment goes to the company's owners; any comment
also goes to the people who commented on the same assessment before (a reply), as long as they
may still see it. The author is never mailed, and the mail carries a link, not the comment."""

from functools import partial

from flask_babel import gettext as _
from flask_babel import lazy_gettext
from sqlalchemy import select

from app.extensions import db
from app.models import Assessment, Comment, User
from app.notifications.recipients import can_still_view, company_owners
from app.web.links import external_url
from app.web.mail import mail_each_in_their_language, quoted

SUBJECT = lazy_gettext("【DX推進指標 自己診断】診断にコメントが投稿されました")


def recipients(assessment: Assessment, comment: Comment, author: User) -> list[User]:
    chosen: dict[int, User] = {}
    if author.role == "advisor":
        for owner in company_owners(assessment.company_id):
            chosen[owner.id] = owner
    earlier = db.session.scalars(
        select(User)
        .join(Comment, Comment.author_id == User.id)
        .where(Comment.assessment_id == assessment.id, Comment.id != comment.id)
        .distinct()
        .order_by(User.id)
    )
    for user in earlier:
        if can_still_view(user, assessment.company_id):
            chosen[user.id] = user
    chosen.pop(author.id, None)
    return list(chosen.values())


def comment_page_url(assessment: Assessment) -> str:
    endpoint = "assessments.results" if assessment.status == "submitted" else "assessments.review"
    return external_url(endpoint, assessment_id=assessment.id, _anchor="comments")


def notify_comment(assessment: Assessment, comment: Comment, author: User) -> int:
    """Mail everyone concerned, each in their own language; returns how many mails were handed
    over."""
    people = recipients(assessment, comment, author)
    mail_each_in_their_language(
        people,
        SUBJECT,
        partial(_body, assessment, author),
        {"purpose": "comment_notification", "comment_id": comment.id},
    )
    return len(people)


def _body(assessment: Assessment, author: User) -> str:
    who = quoted(
        author.display_name or (_("支援者") if author.role == "advisor" else _("メンバー"))
    )
    if author.organisation:
        who += _("（%(organisation)s）", organisation=quoted(author.organisation))
    return _(
        "%(name)s の%(fiscal_year)s年度の自己診断に、"
        "%(who)s さんがコメントを投稿しました。\n\n"
        "コメントは次のページで読めます（ログインが必要です）:\n"
        "%(comment_link)s\n\nこのメールは送信専用です。"
        "通知メールが不要な場合は、アカウントのページで停止できます:\n"
        "%(account_link)s\n",
        name=quoted(assessment.company.name),
        fiscal_year=assessment.fiscal_year,
        who=who,
        comment_link=comment_page_url(assessment),
        account_link=external_url("account.index"),
    )
