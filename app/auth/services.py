"""Session and second-factor operations behind the auth pages; each owns its commit (or its
rollback), so the views only parse, call and answer."""

from app.audit import record
from app.auth import recovery_codes, totp
from app.auth.users import end_all_sessions, start_session
from app.extensions import db


def log_in(user, **details) -> None:
    """Start the user's session after every factor has been checked."""
    start_session(user)
    record("login", user_id=user.id, details=details)
    db.session.commit()


def start_new_account_session(user) -> None:
    start_session(user)
    db.session.commit()


def log_out(user) -> None:
    end_all_sessions(user)  # every copy of the session cookie stops working
    record("logout", user_id=user.id)
    db.session.commit()


def refused(event: str, user_id: int | None = None, **details) -> None:
    """Drop whatever the refused attempt changed, then audit the refusal."""
    db.session.rollback()
    record(event, user_id=user_id, details=details, commit=True)


def second_factor_login(user, code: str) -> str | None:
    """Log in with a TOTP code or a recovery code; the factor used, or None (nothing kept)."""
    if totp.consume_code(user, code):
        factor = "totp"
    elif recovery_codes.consume(user, code):
        factor = "recovery_code"
    else:
        refused("login_2fa_failed", user_id=user.id)
        return None
    log_in(user, second_factor=factor)
    return factor


def keep_session_after_password_change(user) -> None:
    # Other sessions ended with the version bump; this one goes on.
    start_session(user)
    db.session.commit()


def new_recovery_codes(user) -> list[str]:
    codes = recovery_codes.generate(user)
    record("recovery_codes_generated", user_id=user.id)
    db.session.commit()
    return codes


def enable_two_factor(user, secret: str, code: str) -> list[str] | None:
    """Turn TOTP on when ``code`` proves the app holds ``secret``; the new recovery codes."""
    if not totp.enable(user, secret, code):
        refused("totp_change_failed", user_id=user.id, action="enable")
        return None
    end_all_sessions(user)
    codes = recovery_codes.generate(user)
    record("totp_enabled", user_id=user.id)
    start_session(user)
    db.session.commit()
    return codes


def disable_two_factor(user, code: str) -> bool:
    if not totp.consume_code(user, code):
        refused("totp_change_failed", user_id=user.id, action="disable")
        return False
    totp.disable(user)
    recovery_codes.delete_all(user)
    end_all_sessions(user)
    record("totp_disabled", user_id=user.id)
    start_session(user)
    db.session.commit()
    return True


def set_notifications(user, enabled: bool) -> None:
    """The account page's opt-out of notification mails (comments, draft reminders)."""
    user.notify_by_mail = enabled
    db.session.commit()
