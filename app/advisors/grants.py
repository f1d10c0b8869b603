"""Advisor access to client companies: what an advisor may do, from their active grant.

Asked on every request (access.company_actions caches only within one request), so a revoked
grant cuts access on the advisor's very next request, with no re-login.
"""

from app.extensions import db
from app.models import AdvisorGrant

SCOPE_ACTIONS = {
    "read": frozenset({"view"}),
    "comment": frozenset({"view", "comment"}),
}


def advisor_actions(advisor_id: int, company_id: int) -> frozenset[str]:
    scope = db.session.scalar(
        db.select(AdvisorGrant.scope).where(
            AdvisorGrant.company_id == company_id,
            AdvisorGrant.advisor_id == advisor_id,
            AdvisorGrant.revoked_at.is_(None),
        )
    )
    return SCOPE_ACTIONS.get(scope, frozenset())
