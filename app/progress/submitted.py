"""The company's years as last submitted, read by the comparisons, the qualitative targets and
the history.

A year reopened into a draft (再編集中) is still shown, by its last submitted version (the
newest AssessmentRevision), until it is submitted again: reopening must not make a year's
results disappear from the pages."""

from dataclasses import dataclass

from sqlalchemy import bindparam, func, select

from app.extensions import db
from app.models import Answer, Assessment, AssessmentRevision, IndexMapping
from scoring.maturity import MAX_LEVEL, MIN_LEVEL

LEVEL_LABELS = {float(v): str(v) for v in range(MIN_LEVEL, MAX_LEVEL + 1)}  # chart y axis


@dataclass(frozen=True)
class SubmittedYear:
    """A fiscal year as last submitted: the submitted assessment itself, or, while the year is
    being edited again, the kept version numbered ``revision``."""

    assessment_id: int
    fiscal_year: int
    index_version: str
    scores: dict
    revision: int | None = None

    @property
    def reopened(self) -> bool:
        return self.revision is not None


# The number of the assessment's newest kept version (None: never reopened).
_last_number = (
    select(func.max(AssessmentRevision.number))
    .where(AssessmentRevision.assessment_id == Assessment.id)
    .correlate(Assessment)
    .scalar_subquery()
)
# Built once: building these statements per request cost more than running them (the
# results page, the dashboard and the progress page read them on every request). With each
# row its newest kept version's number, so that a draft never submitted (most drafts) needs
# no look-up of kept versions (_years).
_SUBMITTED_ROWS = select(
    Assessment.id,
    Assessment.fiscal_year,
    Assessment.index_version,
    Assessment.status,
    Assessment.scores,
    _last_number.label("last_revision"),
).where(Assessment.company_id == bindparam("company_id"))
_last = (
    select(
        AssessmentRevision.assessment_id,
        func.max(AssessmentRevision.number).label("number"),
    )
    .where(AssessmentRevision.assessment_id.in_(bindparam("ids", expanding=True)))
    .group_by(AssessmentRevision.assessment_id)
    .subquery()
)
_LAST_REVISIONS = select(
    AssessmentRevision.assessment_id,
    AssessmentRevision.number,
    AssessmentRevision.index_version,
    AssessmentRevision.scores,
).join(
    _last,
    (AssessmentRevision.assessment_id == _last.c.assessment_id)
    & (AssessmentRevision.number == _last.c.number),
)


_SUBMITTED_ROWS_OF = select(
    Assessment.id,
    Assessment.company_id,
    Assessment.fiscal_year,
    Assessment.index_version,
    Assessment.status,
    Assessment.scores,
    _last_number.label("last_revision"),
).where(Assessment.company_id.in_(bindparam("ids", expanding=True)))


# What a drawn page part built from the company's years is keyed by (app/progress/cache.py,
# app/assessments/cache.py): each year's identity without its stored scores. A year's shown
# version changes only when it is submitted (a new submitted_at) or reopened (status, and the
# number of the kept version it is then shown by); saving a draft changes neither.
YEAR_STAMP_COLUMNS = (
    Assessment.fiscal_year,
    Assessment.id,
    Assessment.index_version,
    Assessment.status,
    Assessment.submitted_at,
    _last_number.label("last_revision"),
)
_YEAR_STAMPS = select(*YEAR_STAMP_COLUMNS).where(Assessment.company_id == bindparam("company_id"))
_MAPPING_DIGESTS = select(
    IndexMapping.from_version, IndexMapping.to_version, IndexMapping.digest
).order_by(IndexMapping.from_version, IndexMapping.to_version)


def year_stamps(company_id: int) -> tuple:
    """The identity of every year of the company as shown (see stamps_key), in one statement
    that reads no scores."""
    return stamps_key(db.session.execute(_YEAR_STAMPS, {"company_id": company_id}).all())


def stamps_key(rows) -> tuple:
    """A key for what the years of ``rows`` (YEAR_STAMP_COLUMNS) show: each year's stamp, and
    the stored item mappings' digests when a comparison may go through one (a year of another
    index version, or a reopened year shown by a kept version of possibly another version).
    Such a year costs one more small statement; a company with one version none."""
    stamps = tuple(sorted(tuple(r[: len(YEAR_STAMP_COLUMNS)]) for r in rows))
    versions = {s[2] for s in stamps}
    if len(versions) > 1 or any(s[3] != "submitted" and s[5] is not None for s in stamps):
        return stamps, tuple(db.session.execute(_MAPPING_DIGESTS).all())
    return stamps, ()


def submitted_years(company_id: int) -> list[SubmittedYear]:
    """Every year that has a submitted version with scores, oldest first."""
    return _years(db.session.execute(_SUBMITTED_ROWS, {"company_id": company_id}).all())


def submitted_years_of(company_ids) -> dict[int, list[SubmittedYear]]:
    """submitted_years() of many companies in two queries: {company id: years, oldest first}
    (companies without a submitted year are left out). For lists over many companies."""
    ids = list(company_ids)
    if not ids:
        return {}
    rows = db.session.execute(_SUBMITTED_ROWS_OF, {"ids": ids}).all()
    company_of = {r.id: r.company_id for r in rows}
    result: dict[int, list[SubmittedYear]] = {}
    for year in _years(rows):
        result.setdefault(company_of[year.assessment_id], []).append(year)
    return result


def _years(rows) -> list[SubmittedYear]:
    years = [
        SubmittedYear(r.id, r.fiscal_year, r.index_version, r.scores)
        for r in rows
        if r.status == "submitted" and r.scores
    ]
    reopened = {
        r.id: r
        for r in rows
        if (r.status != "submitted" or not r.scores) and r.last_revision is not None
    }
    for rev in _last_revisions(list(reopened)):
        if rev.scores:
            year = reopened[rev.assessment_id].fiscal_year
            years.append(
                SubmittedYear(rev.assessment_id, year, rev.index_version, rev.scores, rev.number)
            )
    return sorted(years, key=lambda y: y.fiscal_year)


def _last_revisions(assessment_ids: list[int]):
    """The newest revision of each of these assessments (those that have one)."""
    if not assessment_ids:
        return []
    return db.session.execute(_LAST_REVISIONS, {"ids": assessment_ids}).all()


# Built once with bind parameters, like the statements above: building them per request
# cost as much as running them (bench/README.md, progress page).
_ANSWER_LEVELS = select(
    Answer.assessment_id, Answer.item_id, Answer.current_level, Answer.target_level
).where(Answer.assessment_id.in_(bindparam("ids", expanding=True)))
_KEPT_ANSWERS = select(
    AssessmentRevision.assessment_id, AssessmentRevision.number, AssessmentRevision.answers
).where(AssessmentRevision.assessment_id.in_(bindparam("ids", expanding=True)))


def levels_of(years: list[SubmittedYear]) -> dict[int, dict[str, tuple[int | None, int | None]]]:
    """{assessment id: {item id: (current, target)}} of each year's shown version: the answer
    rows of a submitted year, the kept answers of a reopened one."""
    result: dict[int, dict[str, tuple[int | None, int | None]]] = {
        y.assessment_id: {} for y in years
    }
    submitted = [y.assessment_id for y in years if not y.reopened]
    if submitted:
        rows = db.session.execute(_ANSWER_LEVELS, {"ids": submitted})
        for assessment_id, item_id, current, target in rows:
            result[assessment_id][item_id] = (current, target)
    numbers = {y.assessment_id: y.revision for y in years if y.reopened}
    if numbers:
        kept = db.session.execute(_KEPT_ANSWERS, {"ids": list(numbers)})
        for assessment_id, number, answers in kept:
            if numbers[assessment_id] == number:
                result[assessment_id] = {
                    a["item_id"]: (a.get("current"), a.get("target")) for a in answers or ()
                }
    return result


def levels_from_cards(years: list[SubmittedYear]) -> dict[int, dict[str, tuple]]:
    """levels_of() read from each shown version's stored card instead of its answer rows: the
    card was scored from exactly those answers when the version was submitted (answers of a
    submitted year cannot change until it is reopened, and a reopened year is shown by its kept
    version's card). For lists over many companies, where the answer rows are the costly part."""
    return {
        y.assessment_id: {
            item_id: (score.get("current"), score.get("target"))
            for item_id, score in (y.scores.get("items") or {}).items()
        }
        for y in years
    }
