"""Login throttling that an attacker cannot turn into a lock-out (issue 9, finding 4).

Three limits, all in Flask-Limiter's storage (Redis in production, shared by every worker):
- per address and account (LOGIN_LIMITS): guessing one account from one place is slow;
- per address (LOGIN_IP_LIMITS): spraying many accounts from one place is slow;
- per account, failures only, from anywhere (LOGIN_ACCOUNT_LIMITS): a botnet rotating addresses
  is slow too. This one does not stop a correct password from a browser that logged in before
  (known_device) or from an account with a second factor, which still has to pass its code; so
  the attacker slows themselves down but cannot lock the real user out.
"""

from flask import current_app
from limits import parse_many

from app.auth.users import normalise_email
from app.extensions import limiter


def _account_limits():
    return parse_many(current_app.config["LOGIN_ACCOUNT_LIMITS"])


def _identifiers(email: str) -> tuple[str, ...]:
    return (current_app.config["RATELIMIT_KEY_PREFIX"], "login-account", normalise_email(email))


def account_under_attack(email: str) -> bool:
    """True when the account's failed logins have used up LOGIN_ACCOUNT_LIMITS."""
    return not all(limiter.limiter.test(item, *_identifiers(email)) for item in _account_limits())


def count_failure(email: str) -> None:
    # Unknown addresses count too: otherwise the limit would tell which addresses exist.
    for item in _account_limits():
        limiter.limiter.hit(item, *_identifiers(email))
