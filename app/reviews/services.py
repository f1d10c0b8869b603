"""Item ratings, evidence checks and review threads. Reading is batched per assessment (two
queries) or per set of companies (one query each); each write owns its commit and records the
action in the company's audit log. Nothing here writes answers or scores."""

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import bindparam, exists, func, or_, select
from sqlalchemy.orm import joinedload

from app.access import can
from app.audit import record
from app.extensions import db
from app.models import Answer, Assessment, ItemRating, ReviewComment
from app.models._time import utcnow
from app.summary_hook import refresh_summary

DIFFERENCE_THRESHOLD = 2  # levels between the advisor's view and the self-assessment


class ReviewError(ValueError):
    """A refused write; the message is shown as is."""


def answer_fingerprint(answer: Answer | None) -> str | None:
    """What the company answered for the item, as a digest: a rating made on it stays current
    until one of these four values changes."""
    if answer is None:
        return None
    content = [
        answer.current_level,
        answer.target_level,
        answer.evidence or "",
        answer.action or "",
    ]
    encoded = json.dumps(content, ensure_ascii=False).encode()
    return hashlib.sha256(encoded).hexdigest()


# --- reading ----------------------------------------------------------------------------------


@dataclass
class RatingView:
    rating: ItemRating
    stale: bool  # made on an earlier answer of the item

    @property
    def level(self):
        return self.rating.level


@dataclass
class Point:
    comment: ReviewComment
    replies: list = field(default_factory=list)

    @property
    def open(self) -> bool:
        return self.comment.resolved_at is None


@dataclass
class ItemReview:
    item_id: str
    ratings: list = field(default_factory=list)  # RatingView
    points: list = field(default_factory=list)  # Point, oldest first

    @property
    def open_points(self) -> int:
        return sum(1 for p in self.points if p.open)

    @property
    def comment_count(self) -> int:
        return sum(1 + len(p.replies) for p in self.points)

    def difference(self, current_level) -> int | None:
        """The largest gap between a current (not stale) advisor rating and the company's
        current level, or None when there is nothing to compare."""
        gaps = [
            abs(r.level - current_level)
            for r in self.ratings
            if not r.stale and r.level is not None and current_level is not None
        ]
        return max(gaps) if gaps else None

    def differs(self, current_level) -> bool:
        gap = self.difference(current_level)
        return gap is not None and gap >= DIFFERENCE_THRESHOLD


class ReviewSet(dict):
    """{item id: ItemReview}; an item without ratings or comments gives an empty one."""

    def __missing__(self, item_id):
        return ItemReview(item_id)

    @property
    def open_points(self) -> int:
        return sum(r.open_points for r in self.values())


# The review and results pages read these on every GET: built once with the ids as parameters
# (building a statement and its cache key per request costs more than the query on few rows).
_RATINGS = (
    select(ItemRating)
    .options(joinedload(ItemRating.advisor))
    .where(ItemRating.assessment_id == bindparam("assessment_id"))
    .order_by(ItemRating.id)
)
_OWN_RATINGS = _RATINGS.where(ItemRating.advisor_id == bindparam("advisor_id"))
_THREADS = (
    select(ReviewComment)
    .options(joinedload(ReviewComment.author), joinedload(ReviewComment.resolved_by))
    .where(ReviewComment.assessment_id == bindparam("assessment_id"))
    .order_by(ReviewComment.created_at, ReviewComment.id)
)


# Whether the assessment has any advisor rating or review point (whoever made it): a column of
# the assessment pages' state statement (app/assessments/page_state.py), so that a page of an
# assessment nobody reviewed reads neither.
ANY_REVIEW = or_(
    exists().where(ItemRating.assessment_id == bindparam("assessment_id")),
    exists().where(ReviewComment.assessment_id == bindparam("assessment_id")),
)


def reviews_of(assessment: Assessment, answers: dict, advisor_id: int | None = None) -> ReviewSet:
    """Ratings and threads of every item of ``assessment``. ``answers`` is {item id: Answer};
    ``advisor_id`` limits the ratings to one advisor's own (an advisor sees only their own)."""
    params = {"assessment_id": assessment.id}
    if advisor_id is None:
        ratings = db.session.scalars(_RATINGS, params)
    else:
        ratings = db.session.scalars(_OWN_RATINGS, {**params, "advisor_id": advisor_id})
    result = ReviewSet()

    def entry(item_id):
        if item_id not in result:
            result[item_id] = ItemReview(item_id)
        return result[item_id]

    for rating in ratings:
        stale = rating.answer_fingerprint != answer_fingerprint(answers.get(rating.item_id))
        entry(rating.item_id).ratings.append(RatingView(rating, stale))
    comments = db.session.scalars(_THREADS, params).all()
    points = {}
    for c in comments:
        if c.parent_id is None:
            points[c.id] = Point(c)
            entry(c.item_id).points.append(points[c.id])
    for c in comments:
        if c.parent_id is not None and c.parent_id in points:
            points[c.parent_id].replies.append(c)
    return result


def open_points_by_company(company_ids) -> dict[int, int]:
    """Unresolved review points of each company, over all its assessments (one query)."""
    if not company_ids:
        return {}
    rows = db.session.execute(
        select(Assessment.company_id, func.count(ReviewComment.id))
        .join(Assessment, Assessment.id == ReviewComment.assessment_id)
        .where(
            Assessment.company_id.in_(list(company_ids)),
            ReviewComment.parent_id.is_(None),
            ReviewComment.resolved_at.is_(None),
        )
        .group_by(Assessment.company_id)
    )
    return dict(rows.all())


def last_comment_by_company(company_ids) -> dict[int, datetime]:
    if not company_ids:
        return {}
    rows = db.session.execute(
        select(Assessment.company_id, func.max(ReviewComment.created_at))
        .join(Assessment, Assessment.id == ReviewComment.assessment_id)
        .where(Assessment.company_id.in_(list(company_ids)))
        .group_by(Assessment.company_id)
    )
    return dict(rows.all())


def find_comment(comment_id: int) -> ReviewComment | None:
    return db.session.get(ReviewComment, comment_id)


# --- writing ----------------------------------------------------------------------------------


def _answer(assessment: Assessment, item_id: str) -> Answer | None:
    return db.session.scalar(
        select(Answer).where(Answer.assessment_id == assessment.id, Answer.item_id == item_id)
    )


def save_rating(
    assessment: Assessment, item_id: str, advisor, level: int | None, evidence_checked: bool
) -> ItemRating:
    """The advisor's view of the item, tied to the company's answer as it is now."""
    if level is not None and not 0 <= level <= 5:
        raise ReviewError(_("0〜5のレベルを選んでください。"))
    answer = _answer(assessment, item_id)
    rating = db.session.scalar(
        select(ItemRating).where(
            ItemRating.assessment_id == assessment.id,
            ItemRating.item_id == item_id,
            ItemRating.advisor_id == advisor.id,
        )
    )
    now = utcnow()
    if rating is None:
        rating = ItemRating(assessment_id=assessment.id, item_id=item_id, advisor_id=advisor.id)
        db.session.add(rating)
    rating.level = level
    if not evidence_checked:
        rating.evidence_checked_at = None
    elif rating.evidence_checked_at is None or rating.answer_fingerprint != answer_fingerprint(
        answer
    ):
        rating.evidence_checked_at = now  # checked now, or checked again on a changed answer
    rating.answer_updated_at = answer.updated_at if answer is not None else None
    rating.answer_fingerprint = answer_fingerprint(answer)
    rating.rated_at = now
    db.session.flush()
    record(
        "review_rating_saved",
        company_id=assessment.company_id,
        details={
            "assessment_id": assessment.id,
            "fiscal_year": assessment.fiscal_year,
            "item_id": item_id,
            "level": level,
            "evidence_checked": bool(evidence_checked),
        },
    )
    db.session.commit()
    return rating


def add_comment(
    assessment: Assessment, item_id: str, author, body: str, parent_id: int | None
) -> ReviewComment:
    parent = None
    if parent_id is not None:
        parent = db.session.get(ReviewComment, parent_id)
        if (
            parent is None
            or parent.assessment_id != assessment.id
            or parent.item_id != item_id
            or parent.parent_id is not None
        ):
            raise ReviewError(_("返信先の指摘が見つかりません。"))
    comment = ReviewComment(
        assessment_id=assessment.id,
        item_id=item_id,
        parent_id=parent.id if parent else None,
        author_id=author.id,
        body=body,
    )
    db.session.add(comment)
    db.session.flush()
    refresh_summary(assessment.company_id)
    record(
        "review_reply_added" if parent else "review_point_added",
        company_id=assessment.company_id,
        details={
            "assessment_id": assessment.id,
            "fiscal_year": assessment.fiscal_year,
            "item_id": item_id,
            "comment_id": comment.id,
            **({"point_id": parent.id} if parent else {}),
        },
    )
    db.session.commit()
    return comment


def resolve_point(point: ReviewComment, assessment: Assessment, user) -> bool:
    """Mark a point resolved; False when it already was (another tab, a double click)."""
    if point.parent_id is not None:
        raise ReviewError(_("解決済みにできるのは指摘だけです。"))
    return _set_resolved(point, assessment, resolved_by=user)


def reopen_point(point: ReviewComment, assessment: Assessment, user) -> bool:
    """Mark a resolved point open again; False when it already was open (another tab)."""
    if point.parent_id is not None:
        raise ReviewError(_("未解決に戻せるのは指摘だけです。"))
    return _set_resolved(point, assessment, resolved_by=None)


def _set_resolved(point: ReviewComment, assessment: Assessment, resolved_by) -> bool:
    """One conditional UPDATE (resolved by ``resolved_by``, or open again when None), so two
    tabs cannot both change it; audited in the same commit."""
    resolving = resolved_by is not None
    state = (
        ReviewComment.resolved_at.is_(None) if resolving else ReviewComment.resolved_at.is_not(None)
    )
    done = db.session.execute(
        db.update(ReviewComment)
        .where(ReviewComment.id == point.id, state)
        .values(
            resolved_at=utcnow() if resolving else None,
            resolved_by_id=resolved_by.id if resolving else None,
        )
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:
        db.session.rollback()
        return False
    refresh_summary(assessment.company_id)
    record(
        "review_point_resolved" if resolving else "review_point_reopened",
        company_id=assessment.company_id,
        details={
            "assessment_id": assessment.id,
            "fiscal_year": assessment.fiscal_year,
            "item_id": point.item_id,
            "comment_id": point.id,
        },
    )
    db.session.commit()
    return True


def may_reopen(user, company_id: int) -> bool:
    """Who may reopen a resolved point: the company's editors (who may resolve it) and an
    advisor whose grant includes comments."""
    return can(user, "edit", company_id) or (
        user.role == "advisor" and can(user, "comment", company_id)
    )


def answers_of(assessment: Assessment) -> dict[str, Answer]:
    return {
        a.item_id: a
        for a in db.session.scalars(select(Answer).where(Answer.assessment_id == assessment.id))
    }
