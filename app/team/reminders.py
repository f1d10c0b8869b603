"""Reminders to the participants who have not submitted their own view: the owner's button and
`flask team remind` (run daily by a timer). A participant is reminded at most once a day (JST),
whichever of the two comes first: a conditional UPDATE of ``reminded_at`` claims the day, so two
runs at once mail once. Mails go out in the background (app/web/mail.py)."""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

from sqlalchemy import or_, select, update

from app.companies.fiscal import JST
from app.extensions import db
from app.models import Assessment, Membership, TeamParticipant, TeamRound, User
from app.models._time import utcnow
from app.team.mail import invitation_mail
from app.web.mail import in_language_of, send_mail_in_background


def day_start(day: date) -> datetime:
    """The start of ``day`` in Japan, in UTC."""
    return datetime.combine(day, time(0), JST).astimezone(UTC)


def _still_asked(company_id):
    """A participant who left the company (or whose account was disabled) keeps their row, and
    a submitted view stays in the round, but is never mailed the company's round again."""
    return TeamParticipant.user.has(User.is_disabled.is_(False)) & (
        select(Membership.id)
        .where(Membership.company_id == company_id, Membership.user_id == TeamParticipant.user_id)
        .exists()
    )


@dataclass
class ReminderRun:
    sent: list[int] = field(default_factory=list)  # participant ids
    already: int = 0  # reminded earlier the same day
    due: int = 0  # a dry run: would be reminded


def _claim(participant_id: int, since: datetime) -> bool:
    claimed = db.session.execute(
        update(TeamParticipant)
        .where(
            TeamParticipant.id == participant_id,
            TeamParticipant.submitted_at.is_(None),
            or_(TeamParticipant.reminded_at.is_(None), TeamParticipant.reminded_at < since),
        )
        .values(reminded_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.commit()  # one participant at a time: a crash never mails twice
    return claimed.rowcount == 1


def remind_round(
    assessment: Assessment, team: TeamRound, today: date, run=None, timer: bool = False
) -> ReminderRun:
    """Remind the round's unfinished participants not yet reminded today, each in their own
    language. The daily timer (``timer``) skips those who turned notification mails off, as the
    draft reminder does; the owner's button is a deliberate message and reaches everyone."""
    run = run or ReminderRun()
    since = day_start(today)
    waiting = db.session.scalars(
        select(TeamParticipant)
        .where(
            TeamParticipant.round_id == team.id,
            TeamParticipant.submitted_at.is_(None),
            _still_asked(assessment.company_id),
        )
        .order_by(TeamParticipant.id)
    ).all()
    for participant in waiting:
        if timer and not participant.user.notify_by_mail:
            continue
        if not _claim(participant.id, since):
            run.already += 1
            continue
        with in_language_of(participant.user):
            subject, body = invitation_mail(assessment, assessment.company, reminder=True)
            send_mail_in_background(
                participant.user.email,
                subject,
                body,
                {
                    "purpose": "team_reminder",
                    "assessment_id": assessment.id,
                    "participant_id": participant.id,
                },
            )
        run.sent.append(participant.id)
    return run


def remind_all(today: date, dry_run: bool = False) -> tuple[int, ReminderRun]:
    """Every open round of a draft assessment: (rounds with someone to remind, the run)."""
    rounds = db.session.execute(
        select(Assessment, TeamRound)
        .join(TeamRound, TeamRound.assessment_id == Assessment.id)
        .where(Assessment.status == "draft", TeamRound.stopped_at.is_(None))
        .order_by(Assessment.id)
    ).all()
    run, touched = ReminderRun(), 0
    since = day_start(today)
    for assessment, team in rounds:
        if dry_run:
            due = db.session.scalar(
                select(db.func.count(TeamParticipant.id)).where(
                    TeamParticipant.round_id == team.id,
                    TeamParticipant.submitted_at.is_(None),
                    or_(TeamParticipant.reminded_at.is_(None), TeamParticipant.reminded_at < since),
                    TeamParticipant.user.has(notify_by_mail=True),
                    _still_asked(assessment.company_id),
                )
            )
            run.due += due
            touched += bool(due)
            continue
        before = len(run.sent)
        remind_round(assessment, team, today, run, timer=True)
        touched += len(run.sent) > before
    return touched, run
