"""Team mode's operations: start/stop, participants, a participant's own view, the mail.
Each public write owns its commit and its audit event.

The individual views live in team_views only. The company's assessment stays the answers
table (the consensus, saved by the questionnaire's own save path): nothing here writes it.
"""

from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext
from sqlalchemy import bindparam, select

from app.audit import record
from app.extensions import db
from app.members import services as members
from app.models import (
    Assessment,
    Invitation,
    Membership,
    TeamInvitation,
    TeamParticipant,
    TeamRound,
    TeamView,
    User,
)
from app.models._time import utcnow
from app.models.team import PERSPECTIVES
from questionnaires import load_index

PERSPECTIVE_LABELS = {
    "executive": lazy_gettext("経営幹部"),
    "business": lazy_gettext("事業部門"),
    "dx_dept": lazy_gettext("DX部門"),
    "it_dept": lazy_gettext("IT部門"),
    "other": lazy_gettext("その他"),
}
assert tuple(PERSPECTIVE_LABELS) == PERSPECTIVES


class TeamRefusal(Exception):
    """A refused team action, with the message shown to the user."""

    def __init__(self, message, status: int = 400):
        super().__init__(str(message))
        self.message = message
        self.status = status


# --- reading -----------------------------------------------------------------------------------


def round_of(assessment: Assessment) -> TeamRound | None:
    return db.session.scalar(select(TeamRound).where(TeamRound.assessment_id == assessment.id))


def is_active(team: TeamRound | None) -> bool:
    return team is not None and team.stopped_at is None


def participant_of(team: TeamRound | None, user) -> TeamParticipant | None:
    if team is None or not getattr(user, "is_authenticated", False):
        return None
    return db.session.scalar(
        select(TeamParticipant).where(
            TeamParticipant.round_id == team.id, TeamParticipant.user_id == user.id
        )
    )


def asked_items(participant: TeamParticipant, index) -> list[str]:
    """The item ids the participant is asked to rate, in index order."""
    if participant.item_ids is None:
        return [item.id for item in index.items]
    asked = set(participant.item_ids)
    return [item.id for item in index.items if item.id in asked]


def own_views(participant: TeamParticipant) -> dict[str, TeamView]:
    rows = db.session.scalars(select(TeamView).where(TeamView.participant_id == participant.id))
    return {v.item_id: v for v in rows}


_P, _V, _U = TeamParticipant.__table__, TeamView.__table__, User.__table__
_p, _v, _u = _P.c, _V.c, _U.c
# Every view of a round with its participant, in one statement whatever the team's size.
_ROUND_VIEWS = (
    select(
        _p.id.label("participant_id"),
        _p.perspective,
        _p.submitted_at,
        _u.display_name,
        _u.email,
        _v.id.label("view_id"),
        _v.item_id,
        _v.current_level,
        _v.target_level,
        _v.note,
    )
    .select_from(_P.join(_U, _U.c.id == _p.user_id).join(_V, _v.participant_id == _p.id))
    .where(_p.round_id == bindparam("round_id"))
    .order_by(_p.id, _v.item_id)
)


def round_views(team: TeamRound, submitted_only: bool = False) -> list:
    """Rows of every view in the round (participant, perspective, levels, note)."""
    rows = db.session.execute(_ROUND_VIEWS, {"round_id": team.id}).all()
    if submitted_only:
        rows = [r for r in rows if r.submitted_at is not None]
    return rows


def submitted_people(team: TeamRound | None) -> tuple[tuple, ...]:
    """(participant id, perspective, name, submitted at) of the round's submitted participants.

    A submitted view can no longer change (save_view refuses it), so this tuple identifies
    everything the round's figures are drawn from: the figures' cache key (app/team/cache.py)."""
    if team is None:
        return ()
    rows = db.session.execute(
        select(_p.id, _p.perspective, _u.display_name, _u.email, _p.submitted_at)
        .select_from(_P.join(_U, _U.c.id == _p.user_id))
        .where(_p.round_id == team.id, _p.submitted_at.is_not(None))
        .order_by(_p.id)
    ).all()
    return tuple(
        (r.id, r.perspective, r.display_name or r.email, r.submitted_at.isoformat()) for r in rows
    )


@dataclass(frozen=True)
class ParticipantRow:
    participant: TeamParticipant
    user: User
    asked: int
    rated: int

    @property
    def finished(self) -> bool:
        return self.participant.submitted_at is not None


def progress_rows(team: TeamRound, index) -> list[ParticipantRow]:
    """Who is in the team and how far each has got (one query for the counts)."""
    counts = dict(
        db.session.execute(
            select(_v.participant_id, db.func.count())
            .select_from(_V.join(_P, _p.id == _v.participant_id))
            .where(
                _p.round_id == team.id,
                _v.current_level.is_not(None),
                _v.target_level.is_not(None),
            )
            .group_by(_v.participant_id)
        ).all()
    )
    rows = db.session.execute(
        select(TeamParticipant, User)
        .join(User, User.id == TeamParticipant.user_id)
        .where(TeamParticipant.round_id == team.id)
        .order_by(TeamParticipant.id)
    ).all()
    return [ParticipantRow(p, u, len(asked_items(p, index)), counts.get(p.id, 0)) for p, u in rows]


def candidate_members(assessment: Assessment, team: TeamRound | None) -> list[User]:
    """Company members not yet in the team, by name."""
    taken = select(TeamParticipant.user_id).where(
        TeamParticipant.round_id == (team.id if team else -1)
    )
    return list(
        db.session.scalars(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.company_id == assessment.company_id, User.id.not_in(taken))
            .order_by(User.display_name, User.id)
        )
    )


# --- the owner's actions -------------------------------------------------------------------------


def _require_draft(assessment: Assessment) -> None:
    if assessment.status != "draft":
        raise TeamRefusal(
            _("提出済みの年度はチームで評価できません。再編集に戻してから始めてください。")
        )


def start(assessment: Assessment, actor) -> TeamRound:
    _require_draft(assessment)
    team = round_of(assessment)
    if team is None:
        team = TeamRound(assessment_id=assessment.id, started_by_id=actor.id)
        db.session.add(team)
    elif team.stopped_at is None:
        return team
    else:
        team.stopped_at = None
    db.session.flush()
    record(
        "team_started",
        company_id=assessment.company_id,
        details={"assessment_id": assessment.id, "fiscal_year": assessment.fiscal_year},
    )
    db.session.commit()
    return team


def stop(assessment: Assessment, actor) -> None:
    """Close the round to further views; the views are kept (divergence, history)."""
    team = round_of(assessment)
    if not is_active(team):
        return
    team.stopped_at = utcnow()
    record(
        "team_stopped",
        company_id=assessment.company_id,
        details={"assessment_id": assessment.id, "fiscal_year": assessment.fiscal_year},
    )
    db.session.commit()


def _asked(assessment: Assessment, step_ids: list[str]) -> list[str] | None:
    """The item ids of the chosen steps (None: every step, so every item)."""
    index = load_index(assessment.index_version)
    known = {step.id for step in index.steps}
    if not step_ids or not set(step_ids) <= known:
        raise TeamRefusal(_("評価を依頼するステップを1つ以上選んでください。"))
    if set(step_ids) == known:
        return None
    chosen = set(step_ids)
    return [i for step in index.steps if step.id in chosen for i in step.item_ids]


def _open_round(assessment: Assessment, perspective: str) -> TeamRound:
    team = round_of(assessment)
    if not is_active(team):
        raise TeamRefusal(_("チームでの評価が始まっていません。"))
    if perspective not in PERSPECTIVES:
        raise TeamRefusal(_("立場を選んでください。"))
    return team


def add_participant(
    assessment: Assessment, user_id: int, perspective: str, step_ids: list[str], actor
) -> TeamParticipant:
    team = _open_round(assessment, perspective)
    member = db.session.scalar(
        select(Membership).where(
            Membership.company_id == assessment.company_id, Membership.user_id == user_id
        )
    )
    if member is None:
        # Another company's user id, or a removed member: the same answer, nothing confirmed.
        raise TeamRefusal(_("この会社のメンバーから選んでください。"))
    item_ids = _asked(assessment, step_ids)
    if participant_of(team, db.session.get(User, user_id)) is not None:
        raise TeamRefusal(_("この方は既に参加者です。"))
    participant = TeamParticipant(
        round_id=team.id, user_id=user_id, perspective=perspective, item_ids=item_ids
    )
    db.session.add(participant)
    db.session.flush()
    record(
        "team_participant_added",
        company_id=assessment.company_id,
        details={
            "assessment_id": assessment.id,
            "participant_user_id": user_id,
            "perspective": perspective,
        },
    )
    db.session.commit()
    return participant


def invite_participant(
    assessment: Assessment, email: str, perspective: str, step_ids: list[str], actor
) -> tuple[Invitation, str]:
    """Invite someone who is not a member yet (as a viewer); accepting the invitation makes
    them a participant with this perspective too (join_from_invitation). The token is
    returned once, to be mailed."""
    team = _open_round(assessment, perspective)
    item_ids = _asked(assessment, step_ids)
    try:
        invitation, token = members.create_invitation(assessment.company, email, "viewer", actor)
    except members.MembershipError as error:
        raise TeamRefusal(str(error)) from None
    db.session.add(
        TeamInvitation(
            invitation_id=invitation.id,
            round_id=team.id,
            perspective=perspective,
            item_ids=item_ids,
        )
    )
    record(
        "team_participant_invited",
        company_id=assessment.company_id,
        details={
            "assessment_id": assessment.id,
            "invitation_id": invitation.id,
            "perspective": perspective,
        },
    )
    db.session.commit()
    return invitation, token


def join_from_invitation(invitation: Invitation, user: User) -> None:
    """members.ACCEPT_HOOKS: the new member joins the round they were invited to, if it is
    still open (a stopped round or a submitted year leaves them a member only)."""
    pending = db.session.scalar(
        select(TeamInvitation).where(TeamInvitation.invitation_id == invitation.id)
    )
    if pending is None:
        return
    team = db.session.get(TeamRound, pending.round_id)
    assessment = db.session.get(Assessment, team.assessment_id)
    if not is_active(team) or assessment.status != "draft" or participant_of(team, user):
        return
    db.session.add(
        TeamParticipant(
            round_id=team.id,
            user_id=user.id,
            perspective=pending.perspective,
            item_ids=pending.item_ids,
        )
    )
    db.session.flush()
    record(
        "team_participant_added",
        company_id=assessment.company_id,
        details={
            "assessment_id": assessment.id,
            "participant_user_id": user.id,
            "perspective": pending.perspective,
            "invitation_id": invitation.id,
        },
    )


members.ACCEPT_HOOKS.append(join_from_invitation)


def pending_invitations(team: TeamRound | None) -> list[tuple[Invitation, TeamInvitation]]:
    """The round's invitations neither used nor cancelled, newest first."""
    if team is None:
        return []
    return [
        (i, t)
        for i, t in db.session.execute(
            select(Invitation, TeamInvitation)
            .join(TeamInvitation, TeamInvitation.invitation_id == Invitation.id)
            .where(
                TeamInvitation.round_id == team.id,
                Invitation.used_at.is_(None),
                Invitation.revoked_at.is_(None),
            )
            .order_by(Invitation.created_at.desc(), Invitation.id.desc())
        ).all()
    ]


def participant_in(assessment: Assessment, participant_id: int) -> TeamParticipant:
    """The participant of this assessment's round, or a 404-refusal (ids of other rounds)."""
    team = round_of(assessment)
    participant = db.session.get(TeamParticipant, participant_id)
    if team is None or participant is None or participant.round_id != team.id:
        raise TeamRefusal(_("参加者が見つかりません。"), 404)
    return participant


def remove_participant(assessment: Assessment, participant_id: int, actor) -> None:
    participant = participant_in(assessment, participant_id)
    if assessment.status != "draft":
        raise TeamRefusal(_("提出済みの年度の参加者は削除できません（履歴に残ります）。"))
    record(
        "team_participant_removed",
        company_id=assessment.company_id,
        details={
            "assessment_id": assessment.id,
            "participant_user_id": participant.user_id,
            "perspective": participant.perspective,
        },
    )
    db.session.delete(participant)
    db.session.commit()


def mark_mailed(participants: list[TeamParticipant]) -> None:
    now = utcnow()
    for participant in participants:
        participant.mailed_at = now
    db.session.commit()


# --- a participant's own view -------------------------------------------------------------------


def _require_open(assessment: Assessment, participant: TeamParticipant) -> None:
    team = db.session.get(TeamRound, participant.round_id)
    if assessment.status != "draft" or not is_active(team):
        raise TeamRefusal(_("チームでの評価は終了しています。"), 409)
    if participant.submitted_at is not None:
        raise TeamRefusal(_("あなたの評価は提出済みのため変更できません。"), 409)


def save_view(assessment: Assessment, participant: TeamParticipant, values: dict) -> None:
    """Store the participant's levels and notes for the items posted (all asked items)."""
    _require_open(assessment, participant)
    existing = own_views(participant)
    now = utcnow()
    for item_id, row in values.items():
        view = existing.get(item_id)
        if view is None:
            view = TeamView(participant_id=participant.id, item_id=item_id)
            db.session.add(view)
        view.current_level = row["current"]
        view.target_level = row["target"]
        view.note = row["note"]
        view.updated_at = now
    db.session.commit()


def missing_in_view(participant: TeamParticipant, index) -> list[str]:
    views = own_views(participant)
    return [
        i
        for i in asked_items(participant, index)
        if i not in views or views[i].current_level is None or views[i].target_level is None
    ]


def submit_view(assessment: Assessment, participant: TeamParticipant) -> None:
    _require_open(assessment, participant)
    index = load_index(assessment.index_version)
    if missing_in_view(participant, index):
        raise TeamRefusal(_("未入力の項目があるため提出できません。"))
    # Conditional on still being a draft view, so a double submit records one submission.
    done = db.session.execute(
        TeamParticipant.__table__.update()
        .where(_p.id == participant.id, _p.submitted_at.is_(None))
        .values(submitted_at=utcnow())
    )
    if done.rowcount != 1:
        db.session.rollback()
        return
    record(
        "team_view_submitted",
        company_id=assessment.company_id,
        details={"assessment_id": assessment.id, "perspective": participant.perspective},
    )
    db.session.commit()
    db.session.expire(participant)


def record_consensus(assessment: Assessment, step_id: str, quoted: int) -> None:
    """Audit a consensus step saved through the questionnaire's own save (which committed)."""
    record(
        "team_consensus_set",
        company_id=assessment.company_id,
        details={"assessment_id": assessment.id, "step": step_id, "quoted_notes": quoted},
        commit=True,
    )


def previous_round(assessment: Assessment) -> tuple[Assessment, TeamRound] | None:
    """The latest earlier submitted year that was assessed as a team."""
    row = db.session.execute(
        select(Assessment, TeamRound)
        .join(TeamRound, TeamRound.assessment_id == Assessment.id)
        .where(
            Assessment.company_id == assessment.company_id,
            Assessment.fiscal_year < assessment.fiscal_year,
            Assessment.status == "submitted",
        )
        .order_by(Assessment.fiscal_year.desc())
        .limit(1)
    ).first()
    return (row[0], row[1]) if row else None
