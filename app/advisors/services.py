"""Grant and revoke advisor access. One commit each (the client list is portfolio.py)."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from app.audit import record
from app.auth.users import find_user
from app.extensions import db
from app.models import AdvisorGrant, Company
from app.models._time import utcnow
from app.models.advisor import GRANT_SCOPES

# The same answer for "no account", "not an advisor" and "disabled", so an owner cannot use
# the form to learn which e-mail addresses have accounts of which kind.
NO_SUCH_ADVISOR = lazy_gettext("該当する支援者アカウントが見つかりません")
SCOPE_LABELS = {"read": lazy_gettext("閲覧のみ"), "comment": lazy_gettext("閲覧とコメント")}


class GrantError(ValueError):
    """A refused grant or revoke; the message is shown as is."""


class NotFound(LookupError):
    pass


# --- grants -----------------------------------------------------------------------------------


def active_grants(company: Company) -> list[AdvisorGrant]:
    return list(
        db.session.scalars(
            db.select(AdvisorGrant)
            .options(joinedload(AdvisorGrant.advisor))
            .where(AdvisorGrant.company_id == company.id, AdvisorGrant.revoked_at.is_(None))
            .order_by(AdvisorGrant.granted_at.desc(), AdvisorGrant.id.desc())
        )
    )


def grant_access(company: Company, email: str, scope: str, owner) -> AdvisorGrant:
    """Grant an advisor access; an existing active grant with another scope is replaced."""
    if scope not in GRANT_SCOPES:
        raise GrantError(_("権限の範囲を選択してください。"))
    advisor = find_user(email)
    if advisor is None or advisor.role != "advisor" or advisor.is_disabled:
        raise GrantError(NO_SUCH_ADVISOR)
    now = utcnow()
    current = db.session.scalar(
        db.select(AdvisorGrant).where(
            AdvisorGrant.company_id == company.id,
            AdvisorGrant.advisor_id == advisor.id,
            AdvisorGrant.revoked_at.is_(None),
        )
    )
    if current is not None and current.scope == scope:
        raise GrantError(_("この支援者には既に同じ権限を付与しています。"))
    if current is not None:
        # Scope changes keep history: the old row is closed and a new one opened.
        current.revoked_at, current.revoked_by_id = now, owner.id
        db.session.flush()
    grant = AdvisorGrant(
        company_id=company.id,
        advisor_id=advisor.id,
        scope=scope,
        granted_by_id=owner.id,
        granted_at=now,
    )
    db.session.add(grant)
    try:
        db.session.flush()
    except IntegrityError:  # another request granted the same advisor a moment ago
        db.session.rollback()
        raise GrantError(_("この支援者には既に権限が付与されています。")) from None
    record(
        "grant_changed" if current is not None else "grant_created",
        company_id=company.id,
        details={
            "grant_id": grant.id,
            "advisor_id": advisor.id,
            "email": advisor.email,
            "scope": scope,
        },
    )
    db.session.commit()
    return grant


def revoke_grant(company: Company, grant_id: int, owner) -> AdvisorGrant:
    grant = db.session.scalar(
        db.select(AdvisorGrant)
        .options(joinedload(AdvisorGrant.advisor))
        .where(AdvisorGrant.id == grant_id, AdvisorGrant.company_id == company.id)
    )
    if grant is None:
        raise NotFound()
    result = db.session.execute(
        update(AdvisorGrant)
        .where(AdvisorGrant.id == grant.id, AdvisorGrant.revoked_at.is_(None))
        .values(revoked_at=utcnow(), revoked_by_id=owner.id)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.rollback()
        raise GrantError(_("このアクセス権は既に取り消されています。"))
    record(
        "grant_revoked",
        company_id=company.id,
        details={
            "grant_id": grant.id,
            "advisor_id": grant.advisor_id,
            "email": grant.advisor.email,
            "scope": grant.scope,
        },
    )
    db.session.commit()
    return grant
