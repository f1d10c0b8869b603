"""Membership operations: invite, accept, cancel, change role, remove. Each owns one commit.

Rules:
- an invitation link is single use and expires after INVITATION_TTL; acceptance is one
  conditional UPDATE, so two clicks (or two tabs) on one link give one membership;
- a company always keeps at least one owner: changes to owners take the company row's write
  lock first, so two owners demoting each other at once cannot leave the company ownerless.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from app.audit import record
from app.auth.users import normalise_email
from app.extensions import db
from app.models import Company, Invitation, Membership, User
from app.models._time import utcnow
from app.models.company import COMPANY_ROLES
from app.models.invitation import INVITABLE_ROLES

INVITATION_TTL = timedelta(days=7)
# Called as hook(invitation, user) inside an acceptance's transaction, after the membership
# is added and before the commit: other features join the new member to what the invitation
# was for (team mode: app/team/services.py). Registered once, when the feature is imported.
ACCEPT_HOOKS: list = []
TOKEN_MAX_LENGTH = 100  # token_urlsafe(32) is 43 characters; longer values are not ours

ROLE_LABELS = {
    "owner": lazy_gettext("オーナー"),
    "editor": lazy_gettext("編集者"),
    "viewer": lazy_gettext("閲覧者"),
}

LINK_UNKNOWN = lazy_gettext(
    "この招待リンクは無効です。リンクが正しいか確認し、招待した方に再送を依頼してください。"
)
LINK_USED = lazy_gettext("この招待リンクは既に使用されています。招待は1回だけ使えます。")
LINK_REVOKED = lazy_gettext("この招待は取り消されています。招待した方にお問い合わせください。")
LINK_EXPIRED = lazy_gettext(
    "この招待リンクは有効期限が切れています。招待した方に再送を依頼してください。"
)
WRONG_ACCOUNT = lazy_gettext(
    "この招待は別のメールアドレス宛てです。"
    "招待されたメールアドレスのアカウントでログインしてください。"
)
WRONG_ROLE = lazy_gettext("このアカウントの種別では会社のメンバーになれません。")
ALREADY_MEMBER = lazy_gettext("既にこの会社のメンバーです。")
LAST_OWNER = lazy_gettext(
    "会社には少なくとも1人のオーナーが必要です。先に別のメンバーをオーナーにしてください。"
)


@dataclass(frozen=True)
class Refusal:
    """Why an operation was refused: a stable code (audit log), the text shown to the user and
    the HTTP status of a refused invitation link."""

    code: str
    message: str
    status: int = 403


UNKNOWN_LINK = Refusal("unknown", LINK_UNKNOWN, 404)
USED_LINK = Refusal("used", LINK_USED, 410)
REVOKED_LINK = Refusal("revoked", LINK_REVOKED, 410)
EXPIRED_LINK = Refusal("expired", LINK_EXPIRED, 410)
OTHER_ACCOUNT = Refusal("other_email", WRONG_ACCOUNT)
NOT_MEMBER_ROLE = Refusal("not_member_role", WRONG_ROLE)
ALREADY_A_MEMBER = Refusal("already_member", ALREADY_MEMBER, 409)


class MembershipError(ValueError):
    """A refused operation; str() is the message shown to the user, ``refusal`` its code."""

    def __init__(self, refusal: Refusal | str):
        self.refusal = refusal if isinstance(refusal, Refusal) else Refusal("other", refusal)
        super().__init__(self.refusal.message)


class NotFound(LookupError):
    """No such row in this company (the view answers 404, so ids are never confirmed)."""


def as_utc(value: datetime) -> datetime:
    # SQLite returns naive datetimes; every stored timestamp is UTC.
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


# --- reading ----------------------------------------------------------------------------------


def members_of(company: Company) -> list[tuple[Membership, User]]:
    order = {role: n for n, role in enumerate(COMPANY_ROLES)}
    rows = db.session.execute(
        db.select(Membership, User)
        .join(User, User.id == Membership.user_id)
        .where(Membership.company_id == company.id)
        .order_by(User.display_name, User.id)
    ).all()
    return sorted(((m, u) for m, u in rows), key=lambda row: order.get(row[0].role, 9))


def open_invitations(company: Company) -> list[Invitation]:
    """Invitations neither used nor cancelled, newest first (expired ones included, marked)."""
    return list(
        db.session.scalars(
            db.select(Invitation)
            .where(
                Invitation.company_id == company.id,
                Invitation.used_at.is_(None),
                Invitation.revoked_at.is_(None),
            )
            .order_by(Invitation.created_at.desc(), Invitation.id.desc())
        )
    )


def is_expired(invitation: Invitation, now: datetime | None = None) -> bool:
    return as_utc(invitation.expires_at) <= (now or utcnow())


def find_invitation(token: str) -> Invitation | None:
    if not token or len(token) > TOKEN_MAX_LENGTH:
        return None
    return db.session.scalar(
        db.select(Invitation).where(Invitation.token_hash == token_hash(token))
    )


def link_problem(invitation: Invitation | None) -> Refusal | None:
    """Why this link cannot be used by anyone any more, or None if it still can."""
    if invitation is None:
        return UNKNOWN_LINK
    if invitation.used_at is not None:
        return USED_LINK
    if invitation.revoked_at is not None:
        return REVOKED_LINK
    if is_expired(invitation):
        return EXPIRED_LINK
    return None


def account_problem(invitation: Invitation, user) -> Refusal | None:
    """Why this logged-in user may not accept this (otherwise valid) invitation."""
    if normalise_email(user.email) != normalise_email(invitation.email):
        return OTHER_ACCOUNT
    if user.role != "member":
        return NOT_MEMBER_ROLE
    already = db.session.scalar(
        db.select(Membership.id).where(
            Membership.company_id == invitation.company_id, Membership.user_id == user.id
        )
    )
    return ALREADY_A_MEMBER if already else None


# --- invitations ------------------------------------------------------------------------------


def create_invitation(company: Company, email: str, role: str, inviter) -> tuple[Invitation, str]:
    """A new invitation and its token (returned once, to be mailed; only its hash is stored).

    A newer invitation to the same address replaces any open one, so only the latest link works.
    """
    if role not in INVITABLE_ROLES:
        raise MembershipError(_("招待できる役割は編集者か閲覧者です。"))
    email = normalise_email(email)
    member = db.session.scalar(
        db.select(Membership.id)
        .join(User, User.id == Membership.user_id)
        .where(Membership.company_id == company.id, User.email == email)
    )
    if member is not None:
        raise MembershipError(_("このメールアドレスの方は既にこの会社のメンバーです。"))
    now = utcnow()
    db.session.execute(
        update(Invitation)
        .where(
            Invitation.company_id == company.id,
            Invitation.email == email,
            Invitation.used_at.is_(None),
            Invitation.revoked_at.is_(None),
        )
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )
    token = secrets.token_urlsafe(32)
    invitation = Invitation(
        company_id=company.id,
        email=email,
        role=role,
        token_hash=token_hash(token),
        invited_by_id=inviter.id,
        created_at=now,
        expires_at=now + INVITATION_TTL,
    )
    db.session.add(invitation)
    db.session.flush()
    record(
        "invitation_created",
        company_id=company.id,
        details={"invitation_id": invitation.id, "email": email, "role": role},
    )
    db.session.commit()
    return invitation, token


def cancel_invitation(company: Company, invitation_id: int, actor) -> Invitation:
    invitation = db.session.scalar(
        db.select(Invitation).where(
            Invitation.id == invitation_id, Invitation.company_id == company.id
        )
    )
    if invitation is None:
        raise NotFound()
    result = db.session.execute(
        update(Invitation)
        .where(
            Invitation.id == invitation.id,
            Invitation.used_at.is_(None),
            Invitation.revoked_at.is_(None),
        )
        .values(revoked_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.rollback()
        raise MembershipError(_("この招待は既に使用されたか、取り消されています。"))
    record(
        "invitation_revoked",
        company_id=company.id,
        details={"invitation_id": invitation.id, "email": invitation.email},
    )
    db.session.commit()
    return invitation


def accept_invitation(token: str, user) -> Invitation:
    """Make ``user`` a member through the invitation behind ``token``, exactly once."""
    invitation = find_invitation(token)
    problem = link_problem(invitation) or account_problem(invitation, user)
    if problem:
        raise MembershipError(problem)
    now = utcnow()
    # Single use even under concurrent clicks: only one UPDATE can match an unused row.
    claimed = db.session.execute(
        update(Invitation)
        .where(
            Invitation.id == invitation.id,
            Invitation.used_at.is_(None),
            Invitation.revoked_at.is_(None),
            Invitation.expires_at > now,
        )
        .values(used_at=now, used_by_id=user.id)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        db.session.rollback()
        raise MembershipError(USED_LINK)
    db.session.add(
        Membership(company_id=invitation.company_id, user_id=user.id, role=invitation.role)
    )
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise MembershipError(ALREADY_A_MEMBER) from None
    for hook in ACCEPT_HOOKS:
        hook(invitation, user)
    record(
        "invitation_accepted",
        company_id=invitation.company_id,
        details={"invitation_id": invitation.id, "email": user.email, "role": invitation.role},
    )
    db.session.commit()
    db.session.refresh(invitation)
    return invitation


# --- members ----------------------------------------------------------------------------------


def _lock_company(company_id: int, actor) -> None:
    """Take the company row's write lock, then make sure the actor is (still) an owner."""
    db.session.execute(
        update(Company)
        .where(Company.id == company_id)
        .values(name=Company.name)
        .execution_options(synchronize_session=False)
    )
    role = db.session.scalar(
        db.select(Membership.role).where(
            Membership.company_id == company_id, Membership.user_id == actor.id
        )
    )
    if role != "owner":
        db.session.rollback()
        raise NotFound()


def _membership_in(company_id: int, membership_id: int) -> Membership:
    membership = db.session.scalar(
        db.select(Membership).where(
            Membership.id == membership_id, Membership.company_id == company_id
        )
    )
    if membership is None:
        db.session.rollback()
        raise NotFound()
    return membership


def _owner_count(company_id: int) -> int:
    return db.session.scalar(
        db.select(db.func.count(Membership.id)).where(
            Membership.company_id == company_id, Membership.role == "owner"
        )
    )


def change_role(company: Company, membership_id: int, role: str, actor) -> Membership:
    if role not in COMPANY_ROLES:
        raise MembershipError(_("役割を選択してください。"))
    _lock_company(company.id, actor)
    membership = _membership_in(company.id, membership_id)
    old = membership.role
    if old == role:
        db.session.rollback()
        raise MembershipError(_("役割は変更されていません。"))
    if old == "owner" and _owner_count(company.id) <= 1:
        db.session.rollback()
        raise MembershipError(LAST_OWNER)
    membership.role = role
    record(
        "member_role_changed",
        company_id=company.id,
        details={
            "membership_id": membership.id,
            "user_id": membership.user_id,
            "email": membership.user.email,
            "from": old,
            "to": role,
        },
    )
    db.session.commit()
    return membership


def remove_member(company: Company, membership_id: int, actor) -> Membership:
    _lock_company(company.id, actor)
    membership = _membership_in(company.id, membership_id)
    if membership.role == "owner" and _owner_count(company.id) <= 1:
        db.session.rollback()
        raise MembershipError(LAST_OWNER)
    details = {
        "membership_id": membership.id,
        "user_id": membership.user_id,
        "email": membership.user.email,
        "role": membership.role,
    }
    db.session.delete(membership)
    record("member_removed", company_id=company.id, details=details)
    db.session.commit()
    return membership
