"""Which roles must use two-factor authentication (issue 9, finding 12).

An administrator sets it per role on /admin/security; a role the administrator never set follows
TWO_FACTOR_REQUIRED_ROLES (admin and bureau in production, none in development so the demo
accounts log in with a password). A signed-in user whose role requires 2FA and who has not set
it up is sent to the setup page on every request until they do.
"""

from flask import abort, flash, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.audit import record
from app.extensions import db
from app.models import TwoFactorPolicy, User
from app.models.user import ROLES

# What a user who must set up 2FA can still reach: the setup itself, logging out, the session
# keep-alive the page's script calls, and static files.
SETUP_ENDPOINTS = frozenset(
    {
        "account.two_factor",
        "account.two_factor_enable",
        "auth.logout",
        "main.session_status",
        "main.session_extend",
        "static",
    }
)


# The session's user loader reads the user's role's stored choice in the user's own query
# (an outer join: None where the administrator never set the role) and leaves it here for
# is_required, so the check every request makes costs no query. Per request (flask.g): an
# administrator's change applies to the next request in every worker, nothing to invalidate.
STORED_CHOICE = TwoFactorPolicy.required
JOIN_ON_ROLE = (TwoFactorPolicy, TwoFactorPolicy.role == User.role)


def remember_stored_choice(user, stored: bool | None) -> None:
    g.two_factor_stored = (user.id, user.role, stored)


def required_roles() -> dict[str, bool]:
    from flask import current_app

    defaults = set(current_app.config["TWO_FACTOR_REQUIRED_ROLES"])
    stored = {p.role: p.required for p in db.session.scalars(db.select(TwoFactorPolicy))}
    return {role: stored.get(role, role in defaults) for role in ROLES}


def is_required(user) -> bool:
    remembered = g.get("two_factor_stored")
    if remembered is not None and remembered[:2] == (user.id, user.role):
        stored = remembered[2]
        if stored is not None:
            return stored
        from flask import current_app

        return user.role in current_app.config["TWO_FACTOR_REQUIRED_ROLES"]
    return required_roles().get(user.role, False)


def set_required(admin, choices: dict[str, bool]) -> None:
    for role in ROLES:
        policy = db.session.get(TwoFactorPolicy, role) or TwoFactorPolicy(role=role)
        policy.required = bool(choices.get(role))
        policy.updated_by_id = admin.id
        db.session.add(policy)
    record("two_factor_policy_changed", details={r: bool(choices.get(r)) for r in ROLES})
    db.session.commit()


def _enforce():
    if request.endpoint in SETUP_ENDPOINTS or not current_user.is_authenticated:
        return None
    if current_user.totp_secret_encrypted or not is_required(current_user):
        return None
    if g.get("api_request"):  # a token of an account that must first set up 2FA
        abort(403, _("このアカウントは2段階認証の設定が必要です。画面から設定してください。"))
    flash(_("このアカウントでは2段階認証の設定が必要です。設定すると、すべての画面を使えます。"))
    return redirect(url_for("account.two_factor"))


def init_app(app) -> None:
    app.before_request(_enforce)
