"""What the review and results pages need besides the answers and the drawn parts, in ONE
statement (issue 16: each statement is a round trip, dearer on PostgreSQL than the query);
the step page's equivalent is step_page_state() below:

- the steps saved so far (the sidebar's states; services.step_versions without the numbers),
- the KPI step's counts (the sidebar; kpis.services.KPI_STEP_COUNTS),
- whether the assessment has any kept revision, any comment, any advisor rating or review point
  at all: a page reads such a list only when it has rows, so an assessment nobody commented on
  or reviewed (most of them) costs no statement for them. These are "may have" flags: when one
  is set the list is read as before, with its own filters (an advisor sees only their own
  ratings), so a flag can make a page read a list that turns out empty, never skip one that is
  not.

Nothing is kept between requests: every value is read on every request.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import String, bindparam, cast, exists, func, select

from app.comments.services import ANY_COMMENT
from app.extensions import db
from app.kpis import services as kpi_services
from app.models import AssessmentRevision, StepState
from app.reviews.services import ANY_REVIEW

_steps = StepState.__table__.c
# Step ids are the index's slugs ("it-system"): no commas.
_SAVED_STEPS = (
    select(func.aggregate_strings(_steps.step_id, ","))
    .where(_steps.assessment_id == bindparam("assessment_id"))
    .scalar_subquery()
)
_STATE = select(
    _SAVED_STEPS.label("saved_steps"),
    *kpi_services.KPI_STEP_COUNTS,
    exists()
    .where(AssessmentRevision.assessment_id == bindparam("assessment_id"))
    .label("any_revision"),
    ANY_COMMENT.label("any_comment"),
    ANY_REVIEW.label("any_review"),
)


@dataclass(frozen=True)
class PageState:
    saved_steps: frozenset[str]  # what services.step_statuses() asks of its `versions`
    kpi: dict  # kpi_services.step_summary()
    any_revision: bool
    any_comment: bool
    any_review: bool


def page_state(assessment) -> PageState:
    row = db.session.execute(
        _STATE, {"assessment_id": assessment.id, **kpi_services.kpi_step_parameters(assessment)}
    ).one()
    return PageState(
        frozenset(row.saved_steps.split(",")) if row.saved_steps else frozenset(),
        kpi_services.step_summary(assessment, row),
        bool(row.any_revision),
        bool(row.any_comment),
        bool(row.any_review),
    )


# "step-id:version" of every saved step (step ids are slugs: no colon, no comma).
_STEP_VERSIONS = (
    select(func.aggregate_strings(_steps.step_id + ":" + cast(_steps.version, String), ","))
    .where(_steps.assessment_id == bindparam("assessment_id"))
    .scalar_subquery()
)
_STEP_STATE = select(_STEP_VERSIONS.label("step_versions"), *kpi_services.KPI_STEP_COUNTS)


def step_page_state(assessment) -> tuple[dict[str, int], dict]:
    """A step page's {step_id: version} of the saved steps (services.step_versions) and the
    KPI step's counts (kpi_services.step_summary), in one statement."""
    row = db.session.execute(
        _STEP_STATE,
        {"assessment_id": assessment.id, **kpi_services.kpi_step_parameters(assessment)},
    ).one()
    versions = {}
    for saved in row.step_versions.split(",") if row.step_versions else ():
        step_id, version = saved.rsplit(":", 1)
        versions[step_id] = int(version)
    return versions, kpi_services.step_summary(assessment, row)
