"""The questionnaire's operations: start, save a step, submit, reopen. Each owns one commit.

Concurrency rules:
- a step save carries the version of the step it was loaded at; a save against a newer version
  is a conflict (two tabs, or two people), reported with both sets of values, never silently lost;
- submit moves the assessment from draft to submitted with a conditional UPDATE, so a double
  submit records one submission.
"""

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import bindparam, delete, exists, func, literal, select, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from app.audit import record
from app.extensions import db
from app.models import Answer, Assessment, AssessmentRevision, StashedPost, StepState
from app.models._time import utcnow
from app.report_sums_hook import note_submitted
from app.summary_hook import note_step_saved, refresh_summary
from questionnaires import load_index
from scoring import SCORING_VERSION, score_assessment, structure_from_index

PROFILE_STEP = "profile"
KPI_STEP = "kpis"  # the company's 定量指標: this year's actuals, optional for submit
REVIEW_STEP = "review"


class AssessmentLocked(Exception):
    """The assessment is submitted (read-only)."""


class IncompleteAssessment(ValueError):
    pass


class ProfileNotConfirmed(ValueError):
    """Submit refused: the company profile was not confirmed for this assessment."""


@dataclass
class Conflict:
    """A step save that lost a race: what the other save stored, per item that differs."""

    their_values: dict[str, dict]
    saved_by_id: int | None
    saved_at: object
    current_version: int


@dataclass(frozen=True)
class StepStatus:
    id: str
    title: str
    answered: int
    total: int
    saved: bool

    @property
    def complete(self) -> bool:
        return self.saved and self.answered == self.total


def index_of(assessment: Assessment):
    return load_index(assessment.index_version)


def answers_by_item(assessment: Assessment) -> dict[str, Answer]:
    rows = db.session.scalars(db.select(Answer).where(Answer.assessment_id == assessment.id))
    return {a.item_id: a for a in rows}


# The pages read these on every GET. Built once with the id as a parameter, since building a
# statement and its cache key per request cost more than SQLite's own work on these rows; the
# plain table columns keep them on SQLAlchemy's Core path (no ORM loading step).
_answers, _step_states = Answer.__table__.c, StepState.__table__.c
_ANSWER_ROWS = select(
    _answers.item_id,
    _answers.current_level,
    _answers.target_level,
    _answers.evidence,
    _answers.action,
).where(_answers.assessment_id == bindparam("assessment_id"))
_STEP_VERSIONS = select(_step_states.step_id, _step_states.version).where(
    _step_states.assessment_id == bindparam("assessment_id")
)
_revisions = AssessmentRevision.__table__.c
_REVISIONS_NEWEST_FIRST = (
    select(_revisions.number, _revisions.submitted_at, _revisions.reopened_at, _revisions.scores)
    .where(_revisions.assessment_id == bindparam("assessment_id"))
    .order_by(_revisions.number.desc())
)


def answer_rows(assessment: Assessment) -> dict:
    """Read-only rows with the Answer attributes the pages show, by item id (no ORM objects
    to build; saving works on answers_by_item())."""
    rows = db.session.execute(_ANSWER_ROWS, {"assessment_id": assessment.id})
    return {row.item_id: row for row in rows}


def step_versions(assessment: Assessment) -> dict[str, int]:
    """{step_id: version} of the steps saved so far."""
    rows = db.session.execute(_STEP_VERSIONS, {"assessment_id": assessment.id})
    return {step_id: version for step_id, version in rows}


def revisions_newest_first(assessment: Assessment) -> list:
    """Rows with the number, dates and scores of each earlier submission, for display."""
    return list(db.session.execute(_REVISIONS_NEWEST_FIRST, {"assessment_id": assessment.id}))


def answer_values(answer: Answer | None) -> dict:
    if answer is None:
        return {"current": None, "target": None, "evidence": "", "action": ""}
    return {
        "current": answer.current_level,
        "target": answer.target_level,
        "evidence": answer.evidence or "",
        "action": answer.action or "",
    }


def is_answered(answer: Answer | None) -> bool:
    return (
        answer is not None and answer.current_level is not None and answer.target_level is not None
    )


def step_statuses(assessment: Assessment, answers=None, versions=None) -> list[StepStatus]:
    index = index_of(assessment)
    answers = answers if answers is not None else answer_rows(assessment)
    saved = versions if versions is not None else step_versions(assessment)
    statuses = [
        StepStatus(
            PROFILE_STEP,
            _("会社情報の確認"),
            int(assessment.profile_confirmed_at is not None),
            1,
            assessment.profile_confirmed_at is not None,
        )
    ]
    for step in index.steps:
        answered = sum(is_answered(answers.get(i)) for i in step.item_ids)
        statuses.append(
            StepStatus(step.id, step.title, answered, len(step.item_ids), step.id in saved)
        )
    return statuses


def first_incomplete_step(assessment: Assessment) -> str:
    for status in step_statuses(assessment):
        if not status.complete:
            return status.id
    return REVIEW_STEP


def step_sequence(assessment: Assessment) -> list[str]:
    """The wizard's order: profile, the index's steps, the KPI step, review."""
    return list(flow_sequence(index_of(assessment)))


def flow_sequence(index) -> tuple[str, ...]:
    """The pages of an assessment's flow, in order (also the pages a sidebar button may open)."""
    return (PROFILE_STEP, *(s.id for s in index.steps), KPI_STEP, REVIEW_STEP)


def neighbour_step(assessment: Assessment, step_id: str, offset: int) -> str | None:
    seq = step_sequence(assessment)
    pos = seq.index(step_id) + offset
    return seq[pos] if 0 <= pos < len(seq) else None


# --- starting ---------------------------------------------------------------------------------


def last_submitted(company_id: int, before_year: int | None = None) -> Assessment | None:
    query = db.select(Assessment).where(
        Assessment.company_id == company_id, Assessment.status == "submitted"
    )
    if before_year is not None:
        query = query.where(Assessment.fiscal_year < before_year)
    return db.session.scalars(query.order_by(Assessment.fiscal_year.desc()).limit(1)).first()


def start_assessment(
    company, fiscal_year: int, user, *, prefill: bool, index_version: str
) -> Assessment:
    """Create the company's assessment for a fiscal year (or return the existing one)."""
    existing = db.session.scalar(
        db.select(Assessment).where(
            Assessment.company_id == company.id, Assessment.fiscal_year == fiscal_year
        )
    )
    if existing:
        return existing
    assessment = Assessment(
        company_id=company.id, fiscal_year=fiscal_year, index_version=index_version
    )
    source = last_submitted(company.id, before_year=fiscal_year) if prefill else None
    if source is not None and source.index_version == index_version:
        assessment.prefilled_from_id = source.id
        for old in answers_by_item(source).values():
            assessment.answers.append(
                Answer(
                    item_id=old.item_id,
                    current_level=old.current_level,
                    target_level=old.target_level,
                    evidence=old.evidence,
                    action=old.action,
                    updated_by_id=user.id,
                )
            )
    db.session.add(assessment)
    try:
        db.session.flush()
    except IntegrityError:  # the same year was started in another tab a moment ago
        db.session.rollback()
        return db.session.scalar(
            db.select(Assessment).where(
                Assessment.company_id == company.id, Assessment.fiscal_year == fiscal_year
            )
        )
    refresh_summary(company)
    record(
        "assessment_started",
        company_id=company.id,
        details={
            "assessment_id": assessment.id,
            "fiscal_year": fiscal_year,
            "prefilled_from": assessment.prefilled_from_id,
        },
    )
    db.session.commit()
    return assessment


def confirm_profile(assessment: Assessment) -> None:
    _lock_draft(assessment)
    assessment.profile_confirmed_at = utcnow()
    db.session.commit()


# --- saving a step ----------------------------------------------------------------------------


def _lock_draft(assessment: Assessment) -> None:
    """Take the assessment row's write lock and make sure it is still a draft (the first
    statement of every read-then-write transaction here: see app/web/sqlite_pragmas.py)."""
    result = db.session.execute(_LOCK_DRAFT, {"aid": assessment.id})
    if result.rowcount != 1:
        db.session.rollback()
        raise AssessmentLocked()


# The step save's statements, built once (building them per save cost as much as running
# them): bump the step's version if it is still the one the page was loaded at and the
# assessment is still a draft, upsert the step's answers in one executemany, drop the user's
# stash of the step.
_assessments, _stashes = Assessment.__table__.c, StashedPost.__table__.c
_LOCK_DRAFT = (
    update(Assessment.__table__)
    .where(_assessments.id == bindparam("aid"), _assessments.status == "draft")
    .values(status="draft")
)
# The draft check locks the assessment row as _LOCK_DRAFT does (PostgreSQL: FOR NO KEY UPDATE,
# the lock an UPDATE of a non-key column takes, so a submit waits for this save and then reads
# its answers; the row is locked before the step's row, the order of every other save). SQLite
# has no row locks: this UPDATE is the transaction's first write and takes the database's write
# lock, under which the draft check reads the latest status.
_DRAFT = (
    select(_assessments.id)
    .where(_assessments.id == bindparam("aid"), _assessments.status == "draft")
    .with_for_update(key_share=True)
)
_BUMP_STEP = (
    update(StepState.__table__)
    .where(
        _step_states.assessment_id == bindparam("aid"),
        _step_states.step_id == bindparam("sid"),
        _step_states.version == bindparam("expected"),
        _DRAFT.exists(),
    )
    .values(
        version=_step_states.version + 1,
        saved_at=bindparam("now"),
        saved_by_id=bindparam("uid"),
    )
)
_STATUS = select(_assessments.status).where(_assessments.id == bindparam("aid"))
_DROP_STASH = delete(StashedPost.__table__).where(
    _stashes.assessment_id == bindparam("aid"),
    _stashes.step_id == bindparam("sid"),
    _stashes.user_id == bindparam("uid"),
)
_UPSERTS = {}
_ANSWER_COLUMNS = (
    "assessment_id",
    "item_id",
    "current_level",
    "target_level",
    "evidence",
    "action",
    "updated_at",
    "updated_by_id",
)
_CHANGED = ("current_level", "target_level", "evidence", "action", "updated_at", "updated_by_id")


def _answers_upsert(dialect: str):
    """INSERT ... ON CONFLICT (assessment_id, item_id) DO UPDATE, for SQLite or PostgreSQL."""
    if dialect not in _UPSERTS:
        insert = sqlite_insert if dialect == "sqlite" else postgresql_insert
        stmt = insert(Answer.__table__)
        _UPSERTS[dialect] = stmt.on_conflict_do_update(
            index_elements=["assessment_id", "item_id"],
            set_={c: stmt.excluded[c] for c in _CHANGED},
        )
    return _UPSERTS[dialect]


def _bump_then_upsert_postgresql():
    """PostgreSQL: _BUMP_STEP and the answers' upsert in one statement (one round trip fewer,
    issue 16). The bump is a data-modifying CTE; the step's rows, passed as one array per
    column, are written only if it bumped (WHERE EXISTS (SELECT FROM bump)), so the statement
    writes as many rows as the step has items, or none. The CTE takes the same locks in the
    same order as the separate UPDATE did (the assessment's row, then the step's)."""
    answers = Answer.__table__.c
    bump = _BUMP_STEP.returning(literal(1)).cte("bump")
    posted = (
        func.unnest(
            bindparam("item_ids", type_=postgresql.ARRAY(answers.item_id.type)),
            bindparam("currents", type_=postgresql.ARRAY(answers.current_level.type)),
            bindparam("targets", type_=postgresql.ARRAY(answers.target_level.type)),
            bindparam("evidences", type_=postgresql.ARRAY(answers.evidence.type)),
            bindparam("actions", type_=postgresql.ARRAY(answers.action.type)),
        )
        .table_valued("item_id", "current_level", "target_level", "evidence", "action")
        .render_derived(name="posted")
    )
    rows = select(
        bindparam("aid", type_=answers.assessment_id.type),
        posted.c.item_id,
        posted.c.current_level,
        posted.c.target_level,
        posted.c.evidence,
        posted.c.action,
        bindparam("now", type_=answers.updated_at.type),
        bindparam("uid", type_=answers.updated_by_id.type),
    ).where(exists(select(bump)))
    stmt = postgresql_insert(Answer.__table__).from_select(_ANSWER_COLUMNS, rows)
    # The rows written are returned (and counted): the result's rowcount is not kept for an
    # INSERT (SQLAlchemy reports -1 once the cursor is closed).
    return (
        stmt.on_conflict_do_update(
            index_elements=["assessment_id", "item_id"],
            set_={c: stmt.excluded[c] for c in _CHANGED},
        )
        .returning(answers.item_id)
        .add_cte(bump)
    )


_BUMP_THEN_UPSERT_POSTGRESQL = _bump_then_upsert_postgresql()


def save_step(
    assessment: Assessment,
    step,
    values: dict[str, dict],
    expected_version: int,
    user,
    *,
    drop_stash: bool = True,
) -> Conflict | None:
    """Store one step's answers atomically; None on success, a Conflict if someone saved first.

    `drop_stash=False` when the caller knows the user has no stash of the step to drop (a
    browser session that holds no stash id: see app/assessments/stash.py)."""
    aid, uid, now = assessment.id, user.id, utcnow()
    dialect = db.session.get_bind().dialect.name
    if expected_version == 0:
        _lock_draft(assessment)
        db.session.add(
            StepState(assessment_id=aid, step_id=step.id, version=1, saved_at=now, saved_by_id=uid)
        )
        try:
            db.session.flush()
        except IntegrityError:
            db.session.rollback()
            return _conflict(assessment, step)
        _upsert_answers(dialect, aid, step, values, now, uid)
    elif dialect == "postgresql":
        bump = {"aid": aid, "sid": step.id, "expected": expected_version, "now": now, "uid": uid}
        posted = [values[item_id] for item_id in step.item_ids]
        written = db.session.scalars(
            _BUMP_THEN_UPSERT_POSTGRESQL,
            {
                **bump,
                "item_ids": list(step.item_ids),
                "currents": [v["current"] for v in posted],
                "targets": [v["target"] for v in posted],
                "evidences": [v["evidence"] for v in posted],
                "actions": [v["action"] for v in posted],
            },
        )
        if not written.all():  # not bumped: no row written
            return _not_bumped(assessment, step)
    else:
        bumped = db.session.execute(
            _BUMP_STEP,
            {"aid": aid, "sid": step.id, "expected": expected_version, "now": now, "uid": uid},
        )
        if bumped.rowcount != 1:
            return _not_bumped(assessment, step)
        _upsert_answers(dialect, aid, step, values, now, uid)
    if drop_stash:
        db.session.execute(_DROP_STASH, {"aid": aid, "sid": step.id, "uid": uid})
    note_step_saved(assessment.company_id, aid, now)
    db.session.commit()  # (expires `assessment`, as every commit expires the loaded rows)
    return None


def _upsert_answers(dialect: str, aid: int, step, values: dict, now, uid: int) -> None:
    rows = [
        {
            "assessment_id": aid,
            "item_id": item_id,
            "current_level": values[item_id]["current"],
            "target_level": values[item_id]["target"],
            "evidence": values[item_id]["evidence"],
            "action": values[item_id]["action"],
            "updated_at": now,
            "updated_by_id": uid,
        }
        for item_id in step.item_ids
    ]
    db.session.execute(_answers_upsert(dialect), rows)


def _not_bumped(assessment: Assessment, step) -> Conflict:
    """The step's version was not bumped: submitted meanwhile (AssessmentLocked), or another
    save came first (the Conflict). Rolls back."""
    if db.session.scalar(_STATUS, {"aid": assessment.id}) != "draft":
        db.session.rollback()
        raise AssessmentLocked()
    db.session.rollback()
    return _conflict(assessment, step)


def discard_failed_transaction() -> None:
    """After a save failed on the database (connection lost, lock timeout): roll the
    transaction back whole; the pool hands the next statement a checked connection."""
    db.session.rollback()


def _conflict(assessment: Assessment, step) -> Conflict:
    state = db.session.get(StepState, (assessment.id, step.id))
    answers = answers_by_item(assessment)
    return Conflict(
        their_values={i: answer_values(answers.get(i)) for i in step.item_ids},
        saved_by_id=state.saved_by_id if state else None,
        saved_at=state.saved_at if state else None,
        current_version=state.version if state else 0,
    )


# --- submit and reopen ------------------------------------------------------------------------


def missing_items(assessment: Assessment, answers=None) -> list:
    index = index_of(assessment)
    answers = answers if answers is not None else answers_by_item(assessment)
    return [item for item in index.items if not is_answered(answers.get(item.id))]


def lower_targets(assessment: Assessment, answers=None) -> list:
    index = index_of(assessment)
    answers = answers if answers is not None else answers_by_item(assessment)
    return [
        item
        for item in index.items
        if is_answered(answers.get(item.id))
        and answers[item.id].target_level < answers[item.id].current_level
    ]


def submit(assessment: Assessment, expected_version: int, user) -> bool:
    """Submit once. Returns False if it was already submitted (a double submit)."""
    result = db.session.execute(
        update(Assessment)
        .where(
            Assessment.id == assessment.id,
            Assessment.status == "draft",
            Assessment.version == expected_version,
        )
        .values(
            status="submitted",
            version=Assessment.version + 1,
            submitted_at=utcnow(),
            submitted_by_id=user.id,
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.rollback()
        return False
    # Read under the row lock just taken: the page flow is not what guarantees it.
    confirmed = db.session.scalar(
        select(Assessment.profile_confirmed_at).where(Assessment.id == assessment.id)
    )
    if confirmed is None:
        db.session.rollback()
        raise ProfileNotConfirmed()
    answers = answers_by_item(assessment)
    missing = missing_items(assessment, answers)
    if missing:
        db.session.rollback()
        raise IncompleteAssessment([m.id for m in missing])
    # The card is frozen with SCORING_VERSION; its change against another year is not stored
    # but derived when shown (comparison.py), so a later reopen of that year cannot stale it.
    index = index_of(assessment)
    structure = structure_from_index(index)
    card = score_assessment(
        structure, {i: (a.current_level, a.target_level) for i, a in answers.items()}
    )
    db.session.execute(
        update(Assessment)
        .where(Assessment.id == assessment.id)
        .values(scores=card.to_dict(), scoring_version=SCORING_VERSION)
        .execution_options(synchronize_session=False)
    )
    note_submitted(assessment.id, expected_version + 1, index, answers)
    refresh_summary(assessment.company_id)
    record(
        "submit",
        company_id=assessment.company_id,
        details={"assessment_id": assessment.id, "fiscal_year": assessment.fiscal_year},
    )
    db.session.commit()
    db.session.expire(assessment)
    return True


@dataclass(frozen=True)
class SubmittedVersion:
    """What the results page shows: the submitted assessment, or, while it is being edited
    again, its last submitted version (the newest revision)."""

    scores: dict
    scoring_version: str | None
    index_version: str
    submitted_at: object
    revision: int | None = None  # the kept version's number while the year is edited again


def shown_version(assessment: Assessment) -> SubmittedVersion | None:
    """The version the results are shown from; None if the assessment was never submitted."""
    if assessment.status == "submitted" and assessment.scores:
        return SubmittedVersion(
            assessment.scores,
            assessment.scoring_version,
            assessment.index_version,
            assessment.submitted_at,
        )
    last = db.session.scalars(
        db.select(AssessmentRevision)
        .where(AssessmentRevision.assessment_id == assessment.id)
        .order_by(AssessmentRevision.number.desc())
        .limit(1)
    ).first()
    if last is None or not last.scores:
        return None
    return SubmittedVersion(
        last.scores, last.scoring_version, last.index_version, last.submitted_at, last.number
    )


def next_revision_number(assessment: Assessment) -> int:
    """The number the submitted version gets in the history when the assessment is reopened."""
    latest = db.session.scalar(
        db.select(db.func.max(AssessmentRevision.number)).where(
            AssessmentRevision.assessment_id == assessment.id
        )
    )
    return 1 + (latest or 0)


def reopen(assessment: Assessment, expected_version: int, user) -> bool:
    """Back to draft; the submitted answers and scores are kept as a numbered revision."""
    result = db.session.execute(
        update(Assessment)
        .where(
            Assessment.id == assessment.id,
            Assessment.status == "submitted",
            Assessment.version == expected_version,
        )
        .values(status="draft", version=Assessment.version + 1)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.rollback()
        return False
    db.session.refresh(assessment)
    number = next_revision_number(assessment)
    db.session.add(
        AssessmentRevision(
            assessment_id=assessment.id,
            number=number,
            index_version=assessment.index_version,
            submitted_at=assessment.submitted_at,
            submitted_by_id=assessment.submitted_by_id,
            answers=[
                {"item_id": a.item_id, **answer_values(a)}
                for a in sorted(answers_by_item(assessment).values(), key=lambda a: a.id)
            ],
            scores=assessment.scores,
            scoring_version=assessment.scoring_version,
            reopened_by_id=user.id,
        )
    )
    assessment.scores = None
    assessment.scoring_version = None
    assessment.submitted_at = None
    assessment.submitted_by_id = None
    refresh_summary(assessment.company_id)
    record(
        "reopen",
        company_id=assessment.company_id,
        details={"assessment_id": assessment.id, "revision": number},
    )
    db.session.commit()
    return True


# --- saving answers by item (the JSON API) ---------------------------------------------------


class StaleVersion(Exception):
    """A save against an assessment that changed since the client read it."""


def save_answers(assessment: Assessment, rows: list[dict], expected_version: int, user, check):
    """Store answers of any items at once, all or nothing, guarded by the assessment's version.

    ``rows`` are dicts with ``item_id`` and any of ``current``, ``target``, ``evidence``,
    ``action`` (absent keys keep the stored value). The row lock is taken first (by moving the
    version on), then ``check()`` runs under it and may refuse (the client's ETag no longer
    matches what is stored). The steps touched get a new step version too, so a questionnaire
    page opened before this save reports a conflict instead of overwriting it.
    Raises AssessmentLocked (submitted) or StaleVersion.
    """
    moved = db.session.execute(
        update(Assessment)
        .where(
            Assessment.id == assessment.id,
            Assessment.status == "draft",
            Assessment.version == expected_version,
        )
        .values(version=Assessment.version + 1)
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:
        status = db.session.scalar(select(Assessment.status).where(Assessment.id == assessment.id))
        db.session.rollback()
        if status == "submitted":
            raise AssessmentLocked()
        raise StaleVersion()
    if not check():
        db.session.rollback()
        raise StaleVersion()
    index = index_of(assessment)
    now = utcnow()
    existing = answers_by_item(assessment)
    for row in rows:
        answer = existing.get(row["item_id"])
        if answer is None:
            answer = Answer(assessment_id=assessment.id, item_id=row["item_id"])
            answer.evidence, answer.action = "", ""
            db.session.add(answer)
            existing[row["item_id"]] = answer
        for key, column in (("current", "current_level"), ("target", "target_level")):
            if key in row:
                setattr(answer, column, row[key])
        for key in ("evidence", "action"):
            if key in row:
                setattr(answer, key, row[key] or "")
        answer.updated_at, answer.updated_by_id = now, user.id
    versions = step_versions(assessment)
    for step_id in sorted({index.item(r["item_id"]).step_id for r in rows}):
        if step_id in versions:
            db.session.execute(
                update(StepState)
                .where(StepState.assessment_id == assessment.id, StepState.step_id == step_id)
                .values(version=StepState.version + 1, saved_at=now, saved_by_id=user.id)
                .execution_options(synchronize_session=False)
            )
        else:
            db.session.add(
                StepState(
                    assessment_id=assessment.id,
                    step_id=step_id,
                    version=1,
                    saved_at=now,
                    saved_by_id=user.id,
                )
            )
    refresh_summary(assessment.company_id)
    record(
        "answers_saved",
        company_id=assessment.company_id,
        details={"assessment_id": assessment.id, "items": len(rows), "via": "api"},
    )
    db.session.commit()
    db.session.expire(assessment)
