"""The company history page's team section (issue 17): "where did we disagree last year, and
do we still?" Per item, the spread of the participants' views in the latest submitted team
year beside the one before, and the items where the disagreement persisted.

Shown to the company's owners and to the participants who submitted their view in the latest
team year; never to advisors, bureau users or other members (spreads come from individual
views), and never in exports or the API (they read the answers only)."""

from dataclasses import dataclass

from flask_babel import get_locale
from sqlalchemy import bindparam, select

from app.access import can
from app.extensions import db
from app.models import Assessment, TeamParticipant, TeamRound
from app.team import services
from app.team.cache import cached
from app.team.divergence import as_views
from questionnaires import load_index
from scoring.divergence import item_spreads, persisted, spread_changes


@dataclass(frozen=True, slots=True)
class SpreadRow:
    item_id: str
    title: str
    before: str
    now: str
    persisted: bool


# Asked on every history page (usually to find no team year): built once, the company bound.
# The year's id, fiscal year and index version are all the section uses: no stored scores read.
_TEAM_YEARS = (
    select(Assessment.id, Assessment.fiscal_year, Assessment.index_version, TeamRound)
    .join(TeamRound, TeamRound.assessment_id == Assessment.id)
    .where(Assessment.company_id == bindparam("company_id"), Assessment.status == "submitted")
    .order_by(Assessment.fiscal_year.desc())
    .limit(2)
)


def _team_years(company_id: int) -> list[tuple]:
    """The company's submitted years assessed as a team, newest first (at most two): (the
    year's row, with its id, fiscal_year and index_version, and its TeamRound)."""
    rows = db.session.execute(_TEAM_YEARS, {"company_id": company_id}).all()
    return [(row, row.TeamRound) for row in rows]


def _may_see(user, company_id: int, latest: TeamRound) -> bool:
    if getattr(user, "role", None) != "member":
        return False  # advisors, bureau users, administrators: never individual views
    if can(user, "manage", company_id):
        return True
    return (
        db.session.scalar(
            select(TeamParticipant.id).where(
                TeamParticipant.round_id == latest.id,
                TeamParticipant.user_id == user.id,
                TeamParticipant.submitted_at.is_not(None),
            )
        )
        is not None
    )


def team_section(company_id: int, user) -> dict | None:
    """The section's figures for ``user``, or None when it is not theirs to see."""
    if getattr(user, "role", None) != "member":
        return None
    years = _team_years(company_id)
    if not years or not _may_see(user, company_id, years[0][1]):
        return None
    people = tuple(services.submitted_people(team) for _a, team in years)
    key = (
        "history",
        tuple((a.id, a.index_version) for a, _t in years),
        people,
        str(get_locale()),
    )
    return cached(key, lambda: _build(years, people))


def _spreads(assessment, team, people):
    submitted = {person[0] for person in people}
    rows = [r for r in services.round_views(team) if r.participant_id in submitted]
    return item_spreads(as_views(rows), [i.id for i in load_index(assessment.index_version).items])


def _text(spread: int | None) -> str:
    return "—" if spread is None else str(spread)


def _build(years, people) -> dict:
    latest, latest_round = years[0]
    section = {"fiscal_year": latest.fiscal_year, "assessment_id": latest.id}
    now = _spreads(latest, latest_round, people[0])
    if len(years) < 2:
        return {**section, "earlier": None, "rows": [], "persisted": []}
    earlier, earlier_round = years[1]
    changes = spread_changes(now, _spreads(earlier, earlier_round, people[1]))
    index = load_index(latest.index_version)
    kept = {c.item_id for c in persisted(changes)}
    rows = [
        SpreadRow(
            c.item_id,
            index.item(c.item_id).title,
            _text(c.before),
            _text(c.now),
            c.item_id in kept,
        )
        for c in changes
    ]
    return {
        **section,
        "earlier": {"fiscal_year": earlier.fiscal_year, "assessment_id": earlier.id},
        "rows": rows,
        "persisted": [r for r in rows if r.persisted],
    }
