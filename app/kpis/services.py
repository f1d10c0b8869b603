"""KPI operations: create, edit, enter actuals, revise a target, start a new cycle.

Each function owns its one commit. Refusals raise a ``KpiRefused`` subclass whose message is
shown to the user; nothing is written in that case. Writes to one indicator take its row lock
first, so a unit change and a new actual cannot cross each other.
"""

from dataclasses import dataclass
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext
from sqlalchemy import bindparam, exists, func, inspect, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from app.access import indicator_statement
from app.audit import record
from app.companies.fiscal import fiscal_year_of, today_jst
from app.extensions import db
from app.kpis.forms import IndicatorInput, name_key
from app.models import Indicator, IndicatorValue, TargetRevision, User
from app.models._time import utcnow
from app.summary_hook import refresh_summary


class KpiRefused(ValueError):
    """A change that would lose or corrupt data; the message is for the user."""

    field: str | None = None


class DuplicateIndicator(KpiRefused):
    field = "name"


class UnitLocked(KpiRefused):
    field = "value_type"


class BaselineAfterActuals(KpiRefused):
    field = "baseline_year"


class TargetYearBeforeActuals(KpiRefused):
    field = "target_year"


class NoChange(KpiRefused):
    field = "target_value"


class CycleNotOver(KpiRefused):
    pass


class ConcurrentChange(KpiRefused):
    pass


class ArchivedIndicator(KpiRefused):
    pass


def current_fiscal_year(company) -> int:
    return fiscal_year_of(today_jst(), company.fiscal_year_start_month)


# Built once, as building the statement per request cost more than SQLite's own work.
_ACTIVE = (Indicator.company_id == bindparam("company_id"), Indicator.archived_at.is_(None))
_ACTIVE_ORDER = (Indicator.created_at, Indicator.id)
_ACTIVE_INDICATORS = select(Indicator).where(*_ACTIVE).order_by(*_ACTIVE_ORDER)


def active_indicators(company_id: int) -> list[Indicator]:
    return list(db.session.scalars(_ACTIVE_INDICATORS, {"company_id": company_id}))


# The same indicators, each with its actuals (one row per actual, or one without): the
# progress page reads both on every request, one statement instead of two.
_ACTIVE_WITH_VALUES = (
    select(Indicator, IndicatorValue.fiscal_year, IndicatorValue.value)
    .outerjoin(IndicatorValue, IndicatorValue.indicator_id == Indicator.id)
    .where(*_ACTIVE)
    .order_by(*_ACTIVE_ORDER, IndicatorValue.fiscal_year)
)


def active_indicators_with_values(company_id: int):
    """active_indicators() and values_by_indicator() of them, in one statement."""
    indicators: list[Indicator] = []
    values: dict[int, dict[int, Decimal]] = {}
    for indicator, year, value in db.session.execute(
        _ACTIVE_WITH_VALUES, {"company_id": company_id}
    ):
        if indicator.id not in values:
            indicators.append(indicator)
            values[indicator.id] = {}
        if year is not None:
            values[indicator.id][year] = value
    return indicators, values


# The plain table columns keep this one on SQLAlchemy's Core path (no ORM loading step).
_ind = Indicator.__table__.c
_ACTIVE_SPANS = select(_ind.id, _ind.baseline_year, _ind.target_year, _ind.archived_at).where(
    _ind.company_id == bindparam("company_id"), _ind.archived_at.is_(None)
)


def active_indicator_spans(company_id: int) -> list:
    """Rows with the id and the years of each active indicator: enough for enterable()."""
    return list(db.session.execute(_ACTIVE_SPANS, {"company_id": company_id}))


def archived_indicators(company_id: int) -> list[Indicator]:
    return list(
        db.session.scalars(
            db.select(Indicator)
            .where(Indicator.company_id == company_id, Indicator.archived_at.is_not(None))
            .order_by(Indicator.name, Indicator.cycle)
        )
    )


def values_by_indicator(indicator_ids) -> dict[int, dict[int, Decimal]]:
    """{indicator_id: {fiscal_year: value}} in one query."""
    result: dict[int, dict[int, Decimal]] = {i: {} for i in indicator_ids}
    if not result:
        return result
    rows = db.session.execute(
        db.select(IndicatorValue.indicator_id, IndicatorValue.fiscal_year, IndicatorValue.value)
        .where(IndicatorValue.indicator_id.in_(list(result)))
        .order_by(IndicatorValue.fiscal_year)
    )
    for indicator_id, year, value in rows:
        result[indicator_id][year] = value
    return result


def value_years(indicator: Indicator) -> range:
    """The fiscal years that take an actual: after the baseline year up to the target year."""
    return range(indicator.baseline_year + 1, indicator.target_year + 1)


def enterable(indicator: Indicator, year: int, current_year: int) -> bool:
    """An actual can be entered for a year of the cycle that has already started."""
    return indicator.archived_at is None and year in value_years(indicator) and year <= current_year


def _lock(indicator: Indicator) -> None:
    db.session.execute(
        db.select(Indicator.id).where(Indicator.id == indicator.id).with_for_update()
    )


def _has_values(indicator_id: int) -> bool:
    return (
        db.session.scalar(
            db.select(IndicatorValue.id).where(IndicatorValue.indicator_id == indicator_id).limit(1)
        )
        is not None
    )


def _name_taken(company_id: int, name: str, except_id: int | None = None) -> bool:
    """Another active indicator of the company has the same name (compared by name_key)."""
    names = db.session.scalars(
        db.select(Indicator.name).where(
            Indicator.company_id == company_id,
            Indicator.archived_at.is_(None),
            Indicator.id != (except_id or 0),
        )
    )
    key = name_key(name)
    return any(name_key(other) == key for other in names)


DUPLICATE_MESSAGE = lazy_gettext(
    "同じ名前の指標が既にあります。別の名前にするか、既存の指標を使ってください。"
)


def create_indicator(company, data: IndicatorInput, user) -> Indicator:
    if _name_taken(company.id, data.name):
        raise DuplicateIndicator(DUPLICATE_MESSAGE)
    indicator = Indicator(
        company_id=company.id,
        example_id=data.example_id,
        example_version=data.example_version if data.example_id else None,
        name=data.name,
        definition=data.definition,
        value_type=data.value_type,
        unit=data.unit,
        scale=data.scale,
        direction=data.direction,
        baseline_year=data.baseline_year,
        baseline_value=data.baseline_value,
        target_year=data.target_year,
        target_value=data.target_value,
        cycle=1,
        created_by_id=user.id,
    )
    db.session.add(indicator)
    try:
        db.session.flush()
    except IntegrityError:  # the same name in an archived cycle, or a concurrent create
        db.session.rollback()
        raise DuplicateIndicator(DUPLICATE_MESSAGE) from None
    refresh_summary(company)
    record(
        "kpi_created",
        company_id=company.id,
        details={"indicator_id": indicator.id, "name": indicator.name, "example": data.example_id},
    )
    db.session.commit()
    return indicator


def update_indicator(indicator: Indicator, data: IndicatorInput, user) -> None:
    """Change the definition. The value type, unit and scale are frozen once actuals exist:
    changing them would silently change what the stored numbers mean."""
    if indicator.archived_at is not None:
        raise ArchivedIndicator(_("終了したサイクルの指標は変更できません。"))
    _lock(indicator)
    if _name_taken(indicator.company_id, data.name, except_id=indicator.id):
        db.session.rollback()
        raise DuplicateIndicator(DUPLICATE_MESSAGE)
    meaning_changed = (
        data.value_type != indicator.value_type
        or data.unit != indicator.unit
        or (data.scale or None) != (indicator.scale or None)
    )
    if meaning_changed and _has_values(indicator.id):
        db.session.rollback()
        raise UnitLocked(
            _(
                "実績が入力済みのため、値の種類・単位・選択肢は変更できません"
                "（保存済みの値の意味が変わってしまうため）。別の指標として追加してください。"
            )
        )
    first_actual = db.session.scalar(
        db.select(db.func.min(IndicatorValue.fiscal_year)).where(
            IndicatorValue.indicator_id == indicator.id
        )
    )
    if first_actual is not None and data.baseline_year >= first_actual:
        db.session.rollback()
        raise BaselineAfterActuals(
            _(
                "%(first_actual)s年度の実績が入力済みのため、基準年度は%(last_allowed)s年度以前にしてください。",
                first_actual=first_actual,
                last_allowed=first_actual - 1,
            )
        )
    if data.baseline_year >= indicator.target_year:
        db.session.rollback()
        raise BaselineAfterActuals(
            _(
                "基準年度は目標年度（%(target_year)s年度）より前にしてください。目標年度を変える場合は「目標の見直し」を使ってください。",
                target_year=indicator.target_year,
            )
        )
    before = {
        "name": indicator.name,
        "value_type": indicator.value_type,
        "unit": indicator.unit,
        "direction": indicator.direction,
        "baseline_year": indicator.baseline_year,
        "baseline_value": str(indicator.baseline_value),
    }
    indicator.name = data.name
    indicator.definition = data.definition
    indicator.value_type = data.value_type
    indicator.unit = data.unit
    indicator.scale = data.scale
    indicator.direction = data.direction
    indicator.baseline_year = data.baseline_year
    indicator.baseline_value = data.baseline_value
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise DuplicateIndicator(DUPLICATE_MESSAGE) from None
    refresh_summary(indicator.company_id)
    record(
        "kpi_updated",
        company_id=indicator.company_id,
        details={"indicator_id": indicator.id, "before": before},
    )
    db.session.commit()


@dataclass(frozen=True)
class SaveResult:
    added: int
    changed: int
    removed: int

    @property
    def total(self) -> int:
        return self.added + self.changed + self.removed


def save_values(indicator: Indicator, values: dict[int, Decimal | None], user) -> SaveResult:
    """Store actuals by fiscal year; None removes a year's actual (the year becomes missing).

    The caller has checked that every year is enterable. Years not in ``values`` are untouched.
    """
    if indicator.archived_at is not None:
        raise ArchivedIndicator(_("終了したサイクルの実績は変更できません。"))
    return _save_values_many({indicator: values}, user)


def save_year_for_many(entries: dict[Indicator, Decimal | None], year: int, user) -> SaveResult:
    """The KPI step of the yearly questionnaire: one fiscal year, several indicators."""
    return _save_values_many({ind: {year: value} for ind, value in entries.items()}, user)


def _save_values_many(batch: dict[Indicator, dict[int, Decimal | None]], user) -> SaveResult:
    added = changed = removed = 0
    now = utcnow()
    for indicator in sorted(batch, key=lambda i: i.id):  # one lock order: no deadlocks
        _lock(indicator)
    for indicator, values in batch.items():
        existing = {
            v.fiscal_year: v
            for v in db.session.scalars(
                db.select(IndicatorValue).where(IndicatorValue.indicator_id == indicator.id)
            )
        }
        for year, value in values.items():
            row = existing.get(year)
            if value is None:
                if row is not None:
                    db.session.delete(row)
                    removed += 1
                continue
            if row is None:
                db.session.add(
                    IndicatorValue(
                        indicator_id=indicator.id,
                        fiscal_year=year,
                        value=value,
                        entered_by_id=user.id,
                        entered_at=now,
                    )
                )
                added += 1
            elif Decimal(row.value) != value:
                row.value, row.entered_by_id, row.entered_at = value, user.id, now
                changed += 1
    try:
        db.session.flush()
    except IntegrityError:  # another request added the same year a moment ago
        db.session.rollback()
        raise ConcurrentChange(
            _("他の画面で同時に実績が保存されました。内容を確認してもう一度保存してください。")
        ) from None
    result = SaveResult(added, changed, removed)
    if result.total:
        refresh_summary(next(iter(batch)).company_id)
        company_id = next(iter(batch)).company_id
        record(
            "kpi_values_saved",
            company_id=company_id,
            details={
                "indicators": sorted(i.id for i in batch),
                "added": added,
                "changed": changed,
                "removed": removed,
            },
        )
    db.session.commit()
    return result


def revise_target(
    indicator: Indicator, new_value: Decimal, new_year: int, reason: str, user
) -> TargetRevision:
    if indicator.archived_at is not None:
        raise ArchivedIndicator(_("終了したサイクルの目標は変更できません。"))
    _lock(indicator)
    db.session.refresh(indicator)
    old_value, old_year = Decimal(indicator.target_value), indicator.target_year
    if new_value == old_value and new_year == old_year:
        db.session.rollback()
        raise NoChange(_("現在の目標と同じです。変更する目標値か目標年度を入力してください。"))
    last_actual = db.session.scalar(
        db.select(db.func.max(IndicatorValue.fiscal_year)).where(
            IndicatorValue.indicator_id == indicator.id
        )
    )
    if last_actual is not None and new_year < last_actual:
        db.session.rollback()
        raise TargetYearBeforeActuals(
            _(
                "%(last_actual)s年度の実績が入力済みのため、目標年度は%(last_actual)s年度以降にしてください。",
                last_actual=last_actual,
            )
        )
    revision = TargetRevision(
        indicator_id=indicator.id,
        old_target_value=old_value,
        new_target_value=new_value,
        old_target_year=old_year,
        new_target_year=new_year,
        revised_by_id=user.id,
        reason=reason or "",
    )
    db.session.add(revision)
    indicator.target_value, indicator.target_year = new_value, new_year
    db.session.flush()
    refresh_summary(indicator.company_id)
    record(
        "kpi_target_revised",
        company_id=indicator.company_id,
        details={
            "indicator_id": indicator.id,
            "old_target_value": str(old_value),
            "new_target_value": str(new_value),
            "old_target_year": old_year,
            "new_target_year": new_year,
        },
    )
    db.session.commit()
    return revision


def last_actual(indicator: Indicator) -> IndicatorValue | None:
    """The latest actual after the baseline year (the start of a next cycle)."""
    return db.session.scalars(
        db.select(IndicatorValue)
        .where(
            IndicatorValue.indicator_id == indicator.id,
            IndicatorValue.fiscal_year > indicator.baseline_year,
        )
        .order_by(IndicatorValue.fiscal_year.desc())
        .limit(1)
    ).first()


def last_actual_of(indicator: Indicator, values) -> IndicatorValue | None:
    """last_actual() picked from the indicator's values already loaded (a page that shows
    them all need not ask again)."""
    later = [v for v in values if v.fiscal_year > indicator.baseline_year]
    return max(later, key=lambda v: v.fiscal_year, default=None)


def can_start_new_cycle(indicator: Indicator, current_year: int, latest) -> bool:
    """After the target year (or once its actual is in), from an actual to start from."""
    if indicator.archived_at is not None or latest is None:
        return False
    return current_year > indicator.target_year or latest.fiscal_year >= indicator.target_year


def start_new_cycle(
    indicator: Indicator, target_value: Decimal, target_year: int, user
) -> Indicator:
    """A new three-year cycle whose baseline is the last actual; the old cycle is archived."""
    _lock(indicator)
    db.session.refresh(indicator)
    latest = last_actual(indicator)
    current_year = current_fiscal_year(indicator.company)
    if not can_start_new_cycle(indicator, current_year, latest):
        db.session.rollback()
        raise CycleNotOver(
            _(
                "新しいサイクルは、目標年度の実績を入力した後（または目標年度を過ぎた後）に"
                "始められます。"
            )
        )
    indicator.archived_at = utcnow()
    successor = Indicator(
        company_id=indicator.company_id,
        example_id=indicator.example_id,
        example_version=indicator.example_version,
        name=indicator.name,
        definition=indicator.definition,
        value_type=indicator.value_type,
        unit=indicator.unit,
        scale=indicator.scale,
        direction=indicator.direction,
        baseline_year=latest.fiscal_year,
        baseline_value=latest.value,
        target_year=target_year,
        target_value=target_value,
        cycle=indicator.cycle + 1,
        previous_id=indicator.id,
        created_by_id=user.id,
    )
    db.session.add(successor)
    try:
        db.session.flush()
    except IntegrityError:  # the next cycle was started in another tab
        db.session.rollback()
        raise ConcurrentChange(
            _("このサイクルは既に終了し、次のサイクルが始まっています。")
        ) from None
    refresh_summary(indicator.company_id)
    record(
        "kpi_cycle_started",
        company_id=indicator.company_id,
        details={
            "indicator_id": successor.id,
            "previous_id": indicator.id,
            "cycle": successor.cycle,
        },
    )
    db.session.commit()
    return successor


# --- for the pages ----------------------------------------------------------------------------


def users_by_id(ids) -> dict[int, User]:
    """The users behind these ids (who entered a value, who revised a target). Those the
    session has already loaded in this request (the signed-in user, who usually entered the
    values) are taken from it; a statement only for the others."""
    ids = {i for i in ids if i is not None}
    found = {}
    for user_id in ids:
        user = db.session.identity_map.get(identity_key(User, user_id))
        if user is not None and not inspect(user).expired_attributes:
            found[user_id] = user
    missing = ids - found.keys()
    if missing:
        found.update(
            (u.id, u) for u in db.session.scalars(db.select(User).where(User.id.in_(missing)))
        )
    return found


_VALUES = (
    select(IndicatorValue)
    .where(IndicatorValue.indicator_id == bindparam("indicator_id"))
    .order_by(IndicatorValue.fiscal_year)
)
_REVISIONS = (
    select(TargetRevision)
    .where(TargetRevision.indicator_id == bindparam("indicator_id"))
    .order_by(TargetRevision.id)
)


def load_values_and_revisions(indicator, has_revisions: bool = True) -> None:
    """The detail page's ``indicator.values`` and ``indicator.revisions``, each read by a
    statement built once (the same rows and order as the relationships' own lazy loads, which
    cost about half as much again). Relationships already loaded are left as they are; with
    ``has_revisions`` False (read with the indicator, DETAIL) the revisions need no statement."""
    state = inspect(indicator)
    params = {"indicator_id": indicator.id}
    if not has_revisions and "revisions" in state.unloaded:
        set_committed_value(indicator, "revisions", [])
    for name, statement in (("values", _VALUES), ("revisions", _REVISIONS)):
        if name in state.unloaded:
            set_committed_value(indicator, name, db.session.scalars(statement, params).all())


# The detail page asks on every GET (usually to find no later cycle): built once.
_NEXT_CYCLE = select(Indicator).where(
    Indicator.previous_id == bindparam("previous_id"),
    Indicator.company_id == bindparam("company_id"),
)
_following = aliased(Indicator)

# The detail page's statement (access.load_indicator_with): the indicator, its company and the
# user's access, plus the id of its next cycle and whether it has target revisions, so that an
# indicator with neither (most of them) needs no statement for its cycles or its revisions.
DETAIL = indicator_statement(
    select(_following.id)
    .where(_following.previous_id == Indicator.id, _following.company_id == Indicator.company_id)
    .order_by(_following.id)
    .limit(1)
    .scalar_subquery(),
    exists().where(TargetRevision.indicator_id == Indicator.id),
)
UNKNOWN = object()  # cycle_chain's next cycle when it was not read with the indicator


def cycle_chain(indicator, next_cycle_id=UNKNOWN) -> list[Indicator]:
    """Every cycle of this indicator, oldest first (linked through previous_id).
    ``next_cycle_id``: the id of its next cycle or None, when read with it (DETAIL)."""
    chain = [indicator]
    seen = {indicator.id}
    while chain[0].previous_id is not None and chain[0].previous_id not in seen:
        previous = db.session.get(Indicator, chain[0].previous_id)
        if previous is None or previous.company_id != indicator.company_id:
            break
        chain.insert(0, previous)
        seen.add(previous.id)
    following = indicator
    while True:
        if next_cycle_id is UNKNOWN:
            nxt = db.session.scalar(
                _NEXT_CYCLE, {"previous_id": following.id, "company_id": indicator.company_id}
            )
        else:
            nxt = None if next_cycle_id is None else db.session.get(Indicator, next_cycle_id)
            next_cycle_id = UNKNOWN  # the cycles after that one are looked up as before
        if nxt is None or nxt.id in seen:
            break
        chain.append(nxt)
        seen.add(nxt.id)
        following = nxt
    return chain


_values = IndicatorValue.__table__.c
# The KPI step's counts on every assessment page's sidebar, as two columns (the review and
# results pages select them in their state statement, app/assessments/page_state.py; the other
# pages alone): the company's active indicators whose cycle takes an actual for the year
# (enterable(): after the baseline year up to the target year) and how many of them have it.
# Whether the year has started (enterable()'s last condition) is asked in step_summary().
_takes_year = (
    _ind.company_id == bindparam("company_id"),
    _ind.archived_at.is_(None),
    _ind.baseline_year < bindparam("year"),
    _ind.target_year >= bindparam("year"),
)
_has_actual = exists().where(
    _values.indicator_id == _ind.id, _values.fiscal_year == bindparam("year")
)
KPI_STEP_COUNTS = (
    select(func.count()).where(*_takes_year).scalar_subquery().label("kpi_total"),
    select(func.count()).where(*_takes_year, _has_actual).scalar_subquery().label("kpi_entered"),
)
_KPI_STEP_COUNTS = select(*KPI_STEP_COUNTS)


def kpi_step_parameters(assessment) -> dict:
    return {"company_id": assessment.company_id, "year": assessment.fiscal_year}


def step_summary(assessment, counts=None) -> dict:
    """For the sidebar and the review page: how many of the company's indicators take an
    actual for this year, and how many have it. ``counts``: a row with KPI_STEP_COUNTS when
    the caller read them already (page_state)."""
    if counts is None:
        counts = db.session.execute(_KPI_STEP_COUNTS, kpi_step_parameters(assessment)).one()
    if assessment.fiscal_year > current_fiscal_year(assessment.company):
        return {"total": 0, "entered": 0}  # the year has not started: nothing to enter yet
    return {"total": counts.kpi_total, "entered": counts.kpi_entered}
