"""Who may do what to which company: plain functions, role x resource x action, in one place.

Actions on a company and everything it owns (profile, assessments, answers, KPIs):
- ``view``    read the profile, answers, scores and progress
- ``edit``    fill in assessments and KPIs, edit the profile
- ``comment`` leave advisor comments
- ``manage``  members, advisor grants, the audit log (owner only)

Company members get actions from their membership role. Advisors get ``view`` (and ``comment``)
only through an active grant. Bureau staff and administrators get nothing on a single company:
bureau staff see aggregates only, administrators manage accounts, not answers.

Loaders return 404 for anything the user may not see, so ids are never confirmed.
"""

from flask import abort, g
from flask_login import current_user
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import Assessment, Company, Membership

MEMBER_ACTIONS = {
    "owner": frozenset({"view", "edit", "comment", "manage"}),
    "editor": frozenset({"view", "edit", "comment"}),
    "viewer": frozenset({"view"}),
}
NO_ACTIONS: frozenset[str] = frozenset()


def company_actions(user, company_id: int) -> frozenset[str]:
    """The set of actions ``user`` may take on the company ``company_id``.

    Computed once per request and company (views ask several times); never cached across
    requests, so a removed member or a revoked grant loses access on the very next request.
    """
    if user is None or not user.is_authenticated:
        return NO_ACTIONS
    cache = g.setdefault("_company_actions", {})
    key = (user.id, company_id)
    if key not in cache:
        cache[key] = _lookup_actions(user, company_id)
    return cache[key]


def _lookup_actions(user, company_id: int) -> frozenset[str]:
    if user.role == "member":
        role = db.session.scalar(
            db.select(Membership.role).where(
                Membership.company_id == company_id, Membership.user_id == user.id
            )
        )
        return MEMBER_ACTIONS.get(role, NO_ACTIONS)
    if user.role == "advisor":
        from app.advisors.grants import advisor_actions  # issue 3: advisor grants

        return advisor_actions(user.id, company_id)
    return NO_ACTIONS


def can(user, action: str, company_id: int) -> bool:
    return action in company_actions(user, company_id)


def member_company_ids(user) -> list[int]:
    return list(
        db.session.scalars(
            db.select(Membership.company_id)
            .where(Membership.user_id == user.id)
            .order_by(Membership.company_id)
        )
    )


def get_company_or_404(company_id: int, action: str = "view") -> Company:
    company = db.session.get(Company, company_id)
    if company is None or not can(current_user, action, company_id):
        _deny(company_id, action)
    return company


def get_assessment_or_404(assessment_id: int, action: str = "view") -> Assessment:
    assessment = db.session.get(Assessment, assessment_id, options=[joinedload(Assessment.company)])
    if assessment is None or not can(current_user, action, assessment.company_id):
        _deny(assessment.company_id if assessment else None, action)
    return assessment


def _deny(company_id, action):
    from app.audit import record

    record("access_denied", details={"company_id": company_id, "action": action}, commit=True)
    abort(404)
