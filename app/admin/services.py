"""Account administration. Each operation checks its rules, writes an audit event and commits.

Administrators manage accounts, never answers: nothing here reads a company's assessments.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext
from sqlalchemy import func, or_

from app.audit import record
from app.auth import recovery_codes
from app.auth.reset import WELCOME_TTL, issue_token, reset_link
from app.auth.users import UserError, create_user, end_all_sessions, normalise_email
from app.extensions import db
from app.models import Membership, User
from app.web.mail import MailError, send_mail
from questionnaires import reference

ROLE_LABELS = {
    "member": lazy_gettext("企業ユーザー"),
    "advisor": lazy_gettext("支援者"),
    "bureau": lazy_gettext("経済産業局"),
    "admin": lazy_gettext("管理者"),
}
STAFF_ROLES = ("advisor", "bureau", "admin")
NATIONAL = ("national", lazy_gettext("全国（本省）"))
PAGE_SIZE = 50


class AdminError(ValueError):
    """An action the rules refuse; the message is shown to the administrator."""


@dataclass(frozen=True)
class UserRow:
    user: User
    companies: int


def bureau_choices() -> list[tuple[str, str]]:
    return [NATIONAL, *((b.code, b.name) for b in reference.bureaus())]


def bureau_label(code: str | None) -> str:
    return dict(bureau_choices()).get(code or "", "")


def search_users(query: str, page: int) -> tuple[list[UserRow], int]:
    """Users whose e-mail, name or organisation contains ``query``; one page, newest first."""
    companies = (
        db.select(func.count(Membership.id))
        .where(Membership.user_id == User.id)
        .correlate(User)
        .scalar_subquery()
    )
    condition = None
    if query:
        pattern = "%" + query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        condition = or_(
            User.email.ilike(pattern, escape="\\"),
            User.display_name.ilike(pattern, escape="\\"),
            User.organisation.ilike(pattern, escape="\\"),
        )
    count = db.select(func.count(User.id))
    rows = db.select(User, companies).order_by(User.id.desc())
    if condition is not None:
        count, rows = count.where(condition), rows.where(condition)
    total = db.session.scalar(count) or 0
    page_rows = db.session.execute(rows.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    return [UserRow(user, n) for user, n in page_rows], total


def company_count(user: User) -> int:
    return db.session.scalar(
        db.select(func.count(Membership.id)).where(Membership.user_id == user.id)
    )


def _check_bureau(role: str, bureau_code: str | None) -> str | None:
    if role == "bureau":
        if bureau_code not in dict(bureau_choices()):
            raise AdminError(_("経済産業局の職員には管轄を選んでください。"))
        return bureau_code
    if bureau_code:
        raise AdminError(_("管轄は経済産業局の職員にだけ設定できます。"))
    return None


def create_staff_user(
    email: str, display_name: str, role: str, organisation: str | None, bureau_code: str | None
) -> tuple[User, bool]:
    """A new advisor, bureau or admin account; returns (user, whether the link was mailed).

    The account gets a random password nobody knows; the person sets their own through a
    single-use link valid for 24 hours, so no password is ever shown or sent.
    """
    if role not in STAFF_ROLES:
        raise AdminError(_("作成できる種別は支援者・経済産業局・管理者です。"))
    bureau_code = _check_bureau(role, bureau_code)
    try:
        user = create_user(
            normalise_email(email),
            secrets.token_urlsafe(32),
            role=role,
            display_name=display_name.strip(),
            organisation=(organisation or "").strip() or None,
            bureau_code=bureau_code,
        )
    except UserError as exc:
        raise AdminError(str(exc)) from exc
    token = issue_token(user, WELCOME_TTL)
    record(
        "user_created",
        details={"target_user_id": user.id, "role": role, "bureau": bureau_code},
    )
    db.session.commit()
    return user, _mail_link(user, token, welcome=True)


def send_reset_link(user: User) -> bool:
    if user.is_disabled:
        raise AdminError(_("無効化されたアカウントには送信できません。"))
    token = issue_token(user, WELCOME_TTL)
    record("password_reset_sent", details={"target_user_id": user.id})
    db.session.commit()
    return _mail_link(user, token, welcome=False)


def _mail_link(user: User, token: str, *, welcome: bool) -> bool:
    if welcome:
        subject = _("【DX推進指標 自己診断】アカウントが作成されました")
        intro = _("%(role)sのアカウントが作成されました。\n", role=ROLE_LABELS[user.role])
    else:
        subject = _("【DX推進指標 自己診断】パスワード設定のご案内")
        intro = _("管理者がパスワード設定用のリンクを発行しました。\n")
    try:
        send_mail(
            user.email,
            subject,
            intro
            + _(
                "次のリンクから24時間以内にパスワードを設定してください（一度だけ使えます）。\n\n"
                "%(link)s\n\nログインID: %(email)s\n",
                link=reset_link(token),
                email=user.email,
            ),
        )
    except MailError:
        record("mail_failed", details={"target_user_id": user.id}, commit=True)
        return False
    return True


def set_disabled(admin: User, user: User, disabled: bool) -> None:
    if user.id == admin.id:
        raise AdminError(_("自分自身のアカウントは無効にできません。"))
    if user.is_disabled == disabled:
        return
    user.is_disabled = disabled
    if disabled:
        end_all_sessions(user)  # every open session of the account ends at its next request
    record("user_disabled" if disabled else "user_enabled", details={"target_user_id": user.id})
    db.session.commit()


def clear_two_factor(admin: User, user: User) -> None:
    """For a lost authenticator: the user logs in with the password and may set it up again."""
    if user.id == admin.id:
        raise AdminError(_("自分自身の2段階認証は、アカウント画面から変更してください。"))
    if not user.totp_secret_encrypted:
        return
    user.totp_secret, user.totp_last_counter = None, None
    recovery_codes.delete_all(user)
    end_all_sessions(user)
    record("totp_cleared", details={"target_user_id": user.id})
    db.session.commit()


def change_role(admin: User, user: User, role: str, bureau_code: str | None) -> None:
    if user.id == admin.id:
        raise AdminError(_("自分自身の種別は変更できません。"))
    if role not in ROLE_LABELS:
        raise AdminError(_("種別が正しくありません。"))
    if company_count(user):
        raise AdminError(
            _(
                "企業に所属しているユーザーの種別は変更できません。先に企業のメンバーから外してください。"
            )
        )
    bureau_code = _check_bureau(role, bureau_code)
    if (user.role, user.bureau_code) == (role, bureau_code):
        return
    old_role, old_bureau = user.role, user.bureau_code
    user.role, user.bureau_code = role, bureau_code
    end_all_sessions(user)  # the new role takes effect from a fresh login
    record(
        "role_change",
        details={
            "target_user_id": user.id,
            "from": old_role,
            "to": role,
            "bureau_from": old_bureau,
            "bureau_to": bureau_code,
        },
    )
    db.session.commit()
