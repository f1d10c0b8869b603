"""The mail a participant gets with the link to their own view (first mail and reminders)."""

from flask import render_template
from flask_babel import gettext as _
from flask_login import current_user

from app.web.links import external_url
from app.web.mail import MailError, in_language_of, quoted, send_mail


def invitation_mail(assessment, company, reminder: bool) -> tuple[str, str]:
    """(subject, body) as text in the current language (ready for the mail thread)."""
    link = external_url("team.mine", assessment_id=assessment.id)
    subject = (
        _("【リマインド】DX推進指標 チームでの自己診断へのご回答のお願い")
        if reminder
        else _("DX推進指標 チームでの自己診断へのご回答のお願い")
    )
    body = _(
        "%(company)s の %(year)s年度の DX推進指標 自己診断を、チームで行っています。\n"
        "あなたの立場からの評価（現在のレベル・目標レベル・メモ）を、次のリンクから入力して"
        "提出してください。提出するまで、他の参加者の評価は表示されません。\n\n%(link)s\n",
        company=quoted(company.name),
        year=assessment.fiscal_year,
        link=link,
    )
    return str(subject), str(body)


def send_invitation(participant, assessment, company, reminder: bool) -> bool:
    """Mail the participant their link; False when sending failed (the page says so)."""
    with in_language_of(participant.user):
        subject, body = invitation_mail(assessment, company, reminder)
    try:
        send_mail(participant.user.email, subject, body)
    except (MailError, OSError):
        return False
    return True


def send_participant_invitation(invitation, token, assessment, perspective_label) -> bool:
    """The company's invitation mail (members/invitation_mail.txt), saying that accepting it
    also makes the invitee a participant; False when sending failed."""
    from app.members.services import ROLE_LABELS

    body = render_template(
        "members/invitation_mail.txt",
        company=assessment.company,
        inviter=current_user,
        role_label=ROLE_LABELS[invitation.role],
        link=external_url("members.invitation", token=token),
        expires_at=invitation.expires_at,
        team={
            "year": assessment.fiscal_year,
            "perspective": str(perspective_label),
            "link": external_url("team.mine", assessment_id=assessment.id),
        },
    )
    try:
        send_mail(invitation.email, _("【DX推進指標 自己診断】会社メンバーへの招待"), body)
    except (MailError, OSError):
        return False
    return True
