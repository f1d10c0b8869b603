"""Reading and adding comments; each write owns its commit."""

from sqlalchemy import bindparam, exists, select
from sqlalchemy.orm import joinedload

from app.audit import record
from app.extensions import db
from app.models import Assessment, Comment
from app.notifications.comments import notify_comment

# Shown on every review and results page, so the statement is built once.
_COMMENTS = (
    select(Comment)
    .options(joinedload(Comment.author))
    .where(Comment.assessment_id == bindparam("assessment_id"))
    .order_by(Comment.created_at, Comment.id)
)


# Whether the assessment has any comment: a column of the assessment pages' state statement
# (app/assessments/page_state.py), so that a page without comments reads none.
ANY_COMMENT = exists().where(Comment.assessment_id == bindparam("assessment_id"))


def comments_on(assessment: Assessment) -> list[Comment]:
    return list(db.session.scalars(_COMMENTS, {"assessment_id": assessment.id}))


def add_comment(assessment: Assessment, author, body: str) -> Comment:
    comment = Comment(assessment_id=assessment.id, author_id=author.id, body=body)
    db.session.add(comment)
    db.session.flush()
    record(
        "comment_added",
        company_id=assessment.company_id,
        details={
            "comment_id": comment.id,
            "assessment_id": assessment.id,
            "fiscal_year": assessment.fiscal_year,
        },
    )
    db.session.commit()
    notify_comment(assessment, comment, author)  # after the commit, never for a rolled-back one
    return comment
