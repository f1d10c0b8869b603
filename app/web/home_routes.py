"""Where each role lands after login: one table, extended as role-specific pages appear."""

from flask import url_for

HOME_ENDPOINTS = {
    "member": "companies.mine",
    "advisor": "advisors.clients",
    "bureau": "reports.index",
    "admin": "admin.users",
}


def home_for_role(user) -> str:
    return url_for(HOME_ENDPOINTS.get(user.role, "account.index"))
