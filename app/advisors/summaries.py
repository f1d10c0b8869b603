"""The stored summary row of each company that the advisor's client list shows
(app.models.CompanySummary): computed here, in a fixed number of queries for any set of
companies, with the status rules of the progress page (scoring.progress through app.progress
and app.kpis.progress).

Every service that changes what a row shows calls ``refresh_summary`` before its commit (step
save, answers import, submit, reopen, a new year, KPI definitions, values and targets, review
points, the company profile). Rows missing or computed before the company's current fiscal
year are recomputed when the list is read (``refresh_stale``). ``flask summaries rebuild``
recomputes every row, ``flask summaries check`` lists the rows that differ from a fresh
computation.
"""

from datetime import UTC, date, datetime

from sqlalchemy import bindparam, case, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from app.advisors.naming import name_sort_key
from app.companies.fiscal import fiscal_year_of, today_jst
from app.extensions import db
from app.kpis.progress import series_of
from app.models import Answer, Assessment, Company, CompanySummary, Indicator, IndicatorValue
from app.progress.qualitative import QUALITATIVE_CYCLE_YEARS, running_target_statuses
from app.progress.submitted import levels_from_cards, submitted_years_of
from app.reviews.services import last_comment_by_company, open_points_by_company
from questionnaires import load_index, reference
from scoring.maturity import Stat
from scoring.progress import ACHIEVED, BEHIND, MISSING, ON_TRACK, status

STATE_ORDER = ("none", "draft", "submitted")
FIELDS = tuple(c.key for c in CompanySummary.__table__.columns if c.key != "company_id")
BATCH = 500  # companies per computation when rebuilding or checking all


def size_class(company: Company) -> str:
    try:
        size = reference.size_class(company.sme_sector, company.capital_yen, company.employees)
    except (KeyError, ValueError):
        size = None
    return size or "unknown"


def _status_key(code: str) -> str | None:
    if code in (ACHIEVED, ON_TRACK):
        return "on_track"
    if code == BEHIND:
        return "behind"
    if code == MISSING:
        return "missing"
    return None


def aware(value: datetime | None) -> datetime | None:
    """SQLite returns timezone-aware columns as naive UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def _latest(*values):
    present = [aware(v) for v in values if v is not None]
    return max(present) if present else None


def compute(companies: list[Company]) -> dict[int, dict]:
    """{company id: the summary's column values}, freshly computed."""
    if not companies:
        return {}
    rows = {}
    for company in companies:
        as_of = fiscal_year_of(today_jst(), company.fiscal_year_start_month)
        bare, normal = name_sort_key(company.name)
        rows[company.id] = {
            "name_key": bare,
            "name_normal": normal,
            "size": size_class(company),
            "fiscal_year": None,
            "assessment_id": None,
            "state": "none",
            "state_rank": 0,
            "answered": None,
            "item_count": None,
            "submitted_at": None,
            "card_year": None,
            "index_version": None,
            "current_mean": None,
            "target_mean": None,
            "change": None,
            "previous_year": None,
            "comparable": True,
            "on_track": 0,
            "behind": 0,
            "missing": 0,
            "open_points": 0,
            "last_activity": None,
            "item_levels": None,
            "as_of_year": as_of,
            "next_year_starts": date(as_of + 1, company.fiscal_year_start_month, 1),
        }
    ids = list(rows)
    _latest_assessments(rows, ids)
    years = _scores(rows, ids)
    _targets(rows, ids, years)
    for company_id, count in open_points_by_company(ids).items():
        rows[company_id]["open_points"] = count
    last_answer = db.session.execute(
        select(Assessment.company_id, func.max(Answer.updated_at))
        .join(Answer, Answer.assessment_id == Assessment.id)
        .where(Assessment.company_id.in_(ids))
        .group_by(Assessment.company_id)
    ).all()
    for source in (dict(last_answer), last_comment_by_company(ids)):
        for company_id, when in source.items():
            row = rows[company_id]
            row["last_activity"] = _latest(row["last_activity"], when)
    return rows


def _latest_assessments(rows: dict, ids: list) -> None:
    """The latest assessment of each company and, for drafts, how many items are answered."""
    assessments = db.session.execute(
        select(
            Assessment.id,
            Assessment.company_id,
            Assessment.fiscal_year,
            Assessment.status,
            Assessment.submitted_at,
            Assessment.created_at,
            Assessment.index_version,
        ).where(Assessment.company_id.in_(ids))
    ).all()
    latest = {}
    for a in assessments:
        if a.company_id not in latest or a.fiscal_year > latest[a.company_id].fiscal_year:
            latest[a.company_id] = a
    drafts = [a.id for a in latest.values() if a.status != "submitted"]
    answered = {}
    if drafts:
        answered = dict(
            db.session.execute(
                select(Answer.assessment_id, func.count())
                .where(
                    Answer.assessment_id.in_(drafts),
                    Answer.current_level.is_not(None),
                    Answer.target_level.is_not(None),
                )
                .group_by(Answer.assessment_id)
            ).all()
        )
    for company_id, a in latest.items():
        row = rows[company_id]
        state = "submitted" if a.status == "submitted" else "draft"
        row.update(
            fiscal_year=a.fiscal_year,
            assessment_id=a.id,
            state=state,
            state_rank=STATE_ORDER.index(state),
            submitted_at=aware(a.submitted_at),
            answered=answered.get(a.id, 0) if state == "draft" else None,
            item_count=len(load_index(a.index_version).items),
            last_activity=_latest(a.created_at, a.submitted_at),
        )


def _scores(rows: dict, ids: list) -> dict:
    """Means and change: the newest year with a card (a reopened year by its last version)
    against the latest earlier one (R10), from the cards' overall figures."""
    years = submitted_years_of(ids)
    for company_id, submitted in years.items():
        row = rows[company_id]
        newest = submitted[-1]
        overall = Stat.from_dict(newest.scores["overall"])
        row.update(
            card_year=newest.fiscal_year,
            index_version=newest.index_version,
            current_mean=overall.current_mean,
            target_mean=overall.target_mean,
            item_levels={
                item_id: score.get("current") for item_id, score in newest.scores["items"].items()
            },
        )
        if len(submitted) > 1:
            previous = submitted[-2]
            before = Stat.from_dict(previous.scores["overall"])
            row["previous_year"] = previous.fiscal_year
            row["comparable"] = previous.index_version == newest.index_version
            if row["comparable"] and None not in (overall.current_mean, before.current_mean):
                row["change"] = overall.current_mean - before.current_mean
    return years


def _targets(rows: dict, ids: list, years: dict) -> None:
    """Item levels still running and active KPIs, counted as on the progress page."""
    wanted = [
        y
        for company_id, submitted in years.items()
        for y in submitted
        if y.fiscal_year >= rows[company_id]["as_of_year"] - QUALITATIVE_CYCLE_YEARS
    ]
    levels = levels_from_cards(wanted)
    for company_id, submitted in years.items():
        recent = [y for y in submitted if y.assessment_id in levels]
        as_of = rows[company_id]["as_of_year"]
        for result in running_target_statuses(recent, levels, as_of):
            key = _status_key(result.code)
            if key:
                rows[company_id][key] += 1
    indicators = db.session.scalars(
        select(Indicator).where(Indicator.company_id.in_(ids), Indicator.archived_at.is_(None))
    ).all()
    values: dict[int, dict] = {i.id: {} for i in indicators}
    if values:
        for indicator_id, year, value in db.session.execute(
            select(
                IndicatorValue.indicator_id, IndicatorValue.fiscal_year, IndicatorValue.value
            ).where(IndicatorValue.indicator_id.in_(list(values)))
        ):
            values[indicator_id][year] = value
    for indicator in indicators:
        as_of = rows[indicator.company_id]["as_of_year"]
        result = status(series_of(indicator, values[indicator.id]), indicator.direction, as_of)
        key = _status_key(result.code)
        if key:
            rows[indicator.company_id][key] += 1


# --- writing ----------------------------------------------------------------------------------


def refresh_summary(company: Company | int) -> None:
    """Recompute one company's row in the caller's transaction (the caller commits)."""
    company_id = company if isinstance(company, int) else company.id
    refresh_summaries([company_id])


# A step save changes only its draft's answered count and the last activity (the means and
# target statuses come from submitted cards and KPIs, which a draft save does not touch): one
# conditional UPDATE, built once, counts the answered items in the database and keeps the later
# of the two activity times; it matches no row when the row does not show this draft.
_summaries, _answers = CompanySummary.__table__.c, Answer.__table__.c
_SAVED_AT = bindparam("saved_at", type_=_summaries.last_activity.type)
_NOTE_STEP_SAVED = (
    update(CompanySummary.__table__)
    .where(
        _summaries.company_id == bindparam("company"),
        _summaries.assessment_id == bindparam("assessment"),
        _summaries.state == "draft",
    )
    .values(
        answered=select(func.count())
        .where(
            _answers.assessment_id == bindparam("assessment"),
            _answers.current_level.is_not(None),
            _answers.target_level.is_not(None),
        )
        .scalar_subquery(),
        last_activity=case(
            (
                or_(_summaries.last_activity.is_(None), _summaries.last_activity < _SAVED_AT),
                _SAVED_AT,
            ),
            else_=_summaries.last_activity,
        ),
    )
)


def note_step_saved(company_id: int, assessment_id: int, saved_at: datetime) -> None:
    """A draft step was saved: update the answered count and last activity of the row in one
    statement. A row that does not show this draft (none yet, another year) is recomputed whole."""
    params = {"company": company_id, "assessment": assessment_id, "saved_at": saved_at}
    if db.session.execute(_NOTE_STEP_SAVED, params).rowcount != 1:
        refresh_summary(company_id)


def refresh_summaries(company_ids) -> None:
    ids = list(company_ids)
    if not ids:
        return
    db.session.flush()  # the caller's changes are what is summarised
    companies = db.session.scalars(select(Company).where(Company.id.in_(ids))).all()
    fresh = compute(companies)
    stored = {
        s.company_id: s
        for s in db.session.scalars(
            select(CompanySummary).where(CompanySummary.company_id.in_(ids))
        )
    }
    for company_id, values in fresh.items():
        summary = stored.get(company_id)
        if summary is None:
            db.session.add(CompanySummary(company_id=company_id, **values))
        else:
            for key, value in values.items():
                setattr(summary, key, value)
    db.session.flush()


def refresh_stale(company_ids_query) -> None:
    """Compute the rows of the companies selected by ``company_ids_query`` (a select of
    company ids) that have none yet or were computed before their current fiscal year."""
    stale = db.session.scalars(
        select(Company.id)
        .outerjoin(CompanySummary, CompanySummary.company_id == Company.id)
        .where(
            Company.id.in_(company_ids_query),
            or_(
                CompanySummary.company_id.is_(None),
                CompanySummary.next_year_starts <= today_jst(),
            ),
        )
    ).all()
    if not stale:
        return
    try:
        refresh_summaries(stale)
        db.session.commit()
    except IntegrityError:  # another request stored the same new rows a moment ago
        db.session.rollback()


def _all_ids() -> list[int]:
    return list(db.session.scalars(select(Company.id).order_by(Company.id)))


def rebuild_all() -> int:
    """Recompute every company's row; returns the number of companies."""
    ids = _all_ids()
    for start in range(0, len(ids), BATCH):
        refresh_summaries(ids[start : start + BATCH])
        db.session.commit()
    return len(ids)


def differences() -> list[str]:
    """Rows that differ from a fresh computation, one line per differing column."""
    found = []
    ids = _all_ids()
    for start in range(0, len(ids), BATCH):
        batch = ids[start : start + BATCH]
        companies = db.session.scalars(select(Company).where(Company.id.in_(batch))).all()
        fresh = compute(companies)
        stored = {
            s.company_id: s
            for s in db.session.scalars(
                select(CompanySummary).where(CompanySummary.company_id.in_(batch))
            )
        }
        for company_id in batch:
            summary = stored.get(company_id)
            if summary is None:
                found.append(f"company {company_id}: no summary row")
                continue
            for key in FIELDS:
                have, want = getattr(summary, key), fresh[company_id][key]
                if isinstance(have, datetime):
                    have = aware(have)
                if have != want:
                    found.append(f"company {company_id}: {key} stored {have!r}, fresh {want!r}")
    return found
