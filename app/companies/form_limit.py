"""One budget of company registrations and profile saves per account (COMPANY_FORM_LIMITS),
shared by the web forms and the API. Both answer whether a 法人番号 is registered already
(a company must be unique), so neither may become a way to list which companies use the
service; the budget is per account because an account may hold many API tokens."""

from flask import current_app
from flask_login import current_user

from app.extensions import limiter


def _limit() -> str:
    return current_app.config["COMPANY_FORM_LIMITS"]


def _key() -> str:
    return f"company-form:{current_user.id}"


# override_defaults=False: on the API the blueprint's token and address budgets apply as well
# (a route's own limit would otherwise replace them).
company_form_limit = limiter.shared_limit(
    _limit, scope="company_forms", key_func=_key, methods=["POST"], override_defaults=False
)
