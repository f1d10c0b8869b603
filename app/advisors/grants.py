"""Advisor access to client companies. Filled in by the accounts-and-roles work (issue 3)."""

from app.access import NO_ACTIONS


def advisor_actions(advisor_id: int, company_id: int) -> frozenset[str]:
    # Until advisor grants exist, advisors see no company.
    return NO_ACTIONS
