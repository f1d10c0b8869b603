"""One budget of invitations per inviting account (INVITE_LIMITS), shared by the members page
and the team page's invitation of a new participant: both send the same invitation mail, so
neither may be a way around the other's limit."""

from flask import current_app
from flask_login import current_user

from app.extensions import limiter


def _limit() -> str:
    return current_app.config["INVITE_LIMITS"]


def _key() -> str:
    # Per inviting account, so one owner cannot mail-bomb addresses from rotating IPs.
    return f"invite:{current_user.id}"


invitation_limit = limiter.shared_limit(_limit, scope="invitations", key_func=_key)
