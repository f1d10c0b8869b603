"""`flask remind-drafts`: mail a company's owners when its current fiscal year's assessment is
still a draft DRAFT_REMINDER_DAYS before the end of the submission period (SUBMISSION_DEADLINE,
MM-DD; no official date is in the reference material, so the operator sets it). Run daily by a
timer; each assessment is reminded once per deadline, even if the timer missed days."""

from dataclasses import dataclass
from datetime import date
from functools import partial

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.companies.fiscal import fiscal_year_of
from app.extensions import db
from app.models import Assessment
from app.notifications.recipients import company_owners
from app.web.links import external_url
from app.web.mail import mail_each_in_their_language, quoted

SUBJECT = lazy_gettext("【DX推進指標 自己診断】提出期限が近づいています（回答中の診断があります）")


class ReminderSettingError(ValueError):
    """SUBMISSION_DEADLINE is missing or not a month and day."""


def parse_deadline(value: str | None) -> tuple[int, int]:
    if not value:
        raise ReminderSettingError(
            "SUBMISSION_DEADLINE is not set: give the end of the submission period as MM-DD "
            "(e.g. SUBMISSION_DEADLINE=10-31), taken from IPA's announcement"
        )
    try:
        month, day = (int(part) for part in value.strip().split("-"))
        date(2024, month, day)  # a leap year, so 02-29 is accepted
    except ValueError as exc:
        raise ReminderSettingError(f"SUBMISSION_DEADLINE must be MM-DD (got {value!r})") from exc
    return month, day


def next_deadline(today: date, month: int, day: int) -> date:
    """The deadline on or after ``today`` (29 February falls back to the 28th)."""
    for year in (today.year, today.year + 1):
        try:
            deadline = date(year, month, day)
        except ValueError:
            deadline = date(year, month, 28)
        if deadline >= today:
            return deadline
    raise AssertionError("unreachable")


@dataclass
class ReminderRun:
    deadline: date
    assessments: int = 0
    mails: int = 0


def remind_drafts(today: date, dry_run: bool = False) -> ReminderRun:
    cfg = current_app.config
    deadline = next_deadline(today, *parse_deadline(cfg.get("SUBMISSION_DEADLINE")))
    run = ReminderRun(deadline)
    if (deadline - today).days > cfg["DRAFT_REMINDER_DAYS"]:
        return run
    drafts = db.session.scalars(
        select(Assessment)
        .options(joinedload(Assessment.company))
        .where(Assessment.status == "draft")
        .order_by(Assessment.id)
    )
    for assessment in drafts:
        company = assessment.company
        if assessment.fiscal_year != fiscal_year_of(today, company.fiscal_year_start_month):
            continue  # a past year's draft (history entered afterwards) has no deadline
        if assessment.draft_reminder_sent_for == deadline:
            continue
        owners = company_owners(company.id)
        run.assessments += 1
        run.mails += len(owners)
        if dry_run:
            continue
        mail_each_in_their_language(
            owners,
            SUBJECT,
            partial(_body, assessment, deadline),
            {"purpose": "draft_reminder", "assessment_id": assessment.id},
        )
        assessment.draft_reminder_sent_for = deadline
        db.session.commit()  # one assessment at a time: a crash never mails twice
    return run


def _body(assessment: Assessment, deadline: date) -> str:
    return _(
        "%(name)s の%(fiscal_year)s年度の自己診断は、"
        "まだ提出されていません（回答中）。\n"
        "提出期間の終了日（%(year)s年%(month)s月%(day)s日、"
        "このサービスの運営者が設定した日付）が近づいています。\n\n"
        "続きから回答する:\n%(resume_link)s\n\n"
        "このメールは会社のオーナーの方にお送りしています。通知メールが不要な場合は、"
        "アカウントのページで停止できます:\n%(account_link)s\n",
        name=quoted(assessment.company.name),
        fiscal_year=assessment.fiscal_year,
        year=deadline.year,
        month=deadline.month,
        day=deadline.day,
        resume_link=external_url("assessments.resume", assessment_id=assessment.id),
        account_link=external_url("account.index"),
    )
