"""Who receives notification mails."""

from sqlalchemy import select

from app.access import can
from app.extensions import db
from app.models import Membership, User


def wants_mail(user: User | None) -> bool:
    return user is not None and not user.is_disabled and user.notify_by_mail


def company_owners(company_id: int) -> list[User]:
    """Owners of the company who accept notification mails, in a stable order."""
    return list(
        db.session.scalars(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(
                Membership.company_id == company_id,
                Membership.role == "owner",
                User.is_disabled.is_(False),
                User.notify_by_mail.is_(True),
            )
            .order_by(User.id)
        )
    )


def can_still_view(user: User, company_id: int) -> bool:
    """An earlier commenter is told of a reply only while they may still see the company."""
    return wants_mail(user) and can(user, "view", company_id)
