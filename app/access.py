"""Who may do what to which company: plain functions, role x resource x action, in one place.

Actions on a company and everything it owns (profile, assessments, answers, KPIs):
- ``view``    read the profile, answers, scores and progress
- ``edit``    fill in assessments and KPIs, edit the profile
- ``comment`` leave advisor comments
- ``manage``  members, advisor grants, the audit log (owner only)

Company members get actions from their membership role. Advisors get ``view`` (and ``comment``)
only through an active grant, asked on every request, so a revoked grant cuts access on the
advisor's very next request, with no re-login. Bureau staff and administrators get nothing on a
single company: bureau staff see aggregates only, administrators manage accounts, not answers.

Loaders answer 404 for anything the user may not see, so ids are never confirmed, and 403 when
the user may see the company but not take the action (a viewer posting an answer): that confirms
nothing the user does not already know.
"""

from flask import abort, current_app, g, has_request_context, request
from flask_login import current_user
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import AdvisorGrant, Assessment, Company, Indicator, Membership

MEMBER_ACTIONS = {
    "owner": frozenset({"view", "edit", "comment", "manage"}),
    "editor": frozenset({"view", "edit", "comment"}),
    "viewer": frozenset({"view"}),
}
ADVISOR_SCOPE_ACTIONS = {
    "read": frozenset({"view"}),
    "comment": frozenset({"view", "comment"}),
}
NO_ACTIONS: frozenset[str] = frozenset()

# Every company page runs these. Built once with the ids as parameters, since building a
# statement and its cache key per request cost more than SQLite's own work on one row; the
# plain table columns keep the role look-up on SQLAlchemy's Core path (no ORM loading step).
_members = Membership.__table__.c
_MEMBER_ROLE = select(_members.role).where(
    _members.company_id == bindparam("company_id"), _members.user_id == bindparam("user_id")
)
_grants = AdvisorGrant.__table__.c
_ADVISOR_SCOPE = select(_grants.scope).where(
    _grants.company_id == bindparam("company_id"),
    _grants.advisor_id == bindparam("user_id"),
    _grants.revoked_at.is_(None),
)


def _access_columns(company_id_column):
    """The signed-in user's membership role and advisor scope for the row's company, read in
    the page's first query (correlated subqueries) so the access check needs no query of its
    own; `user_id` is bound per request. First row, as the separate look-ups take it."""
    role = (
        select(_members.role)
        .where(_members.company_id == company_id_column, _members.user_id == bindparam("user_id"))
        .limit(1)
        .scalar_subquery()
    )
    scope = (
        select(_grants.scope)
        .where(
            _grants.company_id == company_id_column,
            _grants.advisor_id == bindparam("user_id"),
            _grants.revoked_at.is_(None),
        )
        .limit(1)
        .scalar_subquery()
    )
    return role, scope


_ASSESSMENT_ALONE = select(Assessment, *_access_columns(Assessment.company_id)).where(
    Assessment.id == bindparam("assessment_id")
)
_ASSESSMENT = _ASSESSMENT_ALONE.options(joinedload(Assessment.company))
# Every indicator view reads the company (its fiscal year, the page's title): loaded with it.
_INDICATOR = (
    select(Indicator, *_access_columns(Indicator.company_id))
    .where(Indicator.id == bindparam("indicator_id"))
    .options(joinedload(Indicator.company))
)
_COMPANY = select(Company, *_access_columns(Company.id)).where(
    Company.id == bindparam("company_id")
)


def reads_assessment_with_user(view):
    """Mark a view whose POST loads its assessment first thing (get_assessment_or_404 with
    ``with_company=False``, by its ``assessment_id`` URL part): the user loader then reads the
    assessment and the access columns with the signed-in user, in one statement
    (with_assessment()), so the save runs one statement fewer (issue 16, step save)."""
    view.reads_assessment_with_user = True
    return view


def assessment_to_read_with_user() -> int | None:
    """The assessment id the user loader should read with the user, if this request's view
    asked for it (reads_assessment_with_user) and it is a POST."""
    if not has_request_context() or request.method != "POST" or not request.view_args:
        return None
    view = current_app.view_functions.get(request.endpoint)
    if not getattr(view, "reads_assessment_with_user", False):
        return None
    return request.view_args.get("assessment_id")


def with_assessment(user_statement):
    """``user_statement`` (a select of the user by the ``user_id`` parameter) with the
    assessment of the ``assessment_id`` parameter and the user's access columns for its
    company added (outer join: no row of it gives Nones, as no assessment would)."""
    return user_statement.add_columns(
        Assessment, *_access_columns(Assessment.company_id)
    ).outerjoin(Assessment, Assessment.id == bindparam("assessment_id"))


def remember_assessment_read_with_user(assessment_id: int, user_id: int, row) -> None:
    """The (assessment, member role, advisor scope) read by the user loader, for
    get_assessment_or_404 later in this request, if it asks for the same assessment and the
    same user is still signed in."""
    g._assessment_read_with_user = (assessment_id, user_id, tuple(row))


def company_actions(user, company_id: int) -> frozenset[str]:
    """The set of actions ``user`` may take on the company ``company_id``.

    Computed once per request and company (views ask several times); never cached across
    requests, so a removed member or a revoked grant loses access on the very next request.
    """
    if user is None or not user.is_authenticated:
        return NO_ACTIONS
    cache = g.setdefault("_company_actions", {})
    key = (user.id, company_id)
    if key not in cache:
        cache[key] = _lookup_actions(user, company_id)
    return cache[key]


def _lookup_actions(user, company_id: int) -> frozenset[str]:
    params = {"company_id": company_id, "user_id": user.id}
    if user.role == "member":
        return MEMBER_ACTIONS.get(db.session.scalar(_MEMBER_ROLE, params), NO_ACTIONS)
    if user.role == "advisor":
        return ADVISOR_SCOPE_ACTIONS.get(db.session.scalar(_ADVISOR_SCOPE, params), NO_ACTIONS)
    return NO_ACTIONS


def _remember_actions(user, company_id: int, member_role, advisor_scope) -> None:
    """company_actions' answer from a role and scope read with the page's row (this request)."""
    if user is None or not user.is_authenticated:
        return
    if user.role == "member":
        actions = MEMBER_ACTIONS.get(member_role, NO_ACTIONS)
    elif user.role == "advisor":
        actions = ADVISOR_SCOPE_ACTIONS.get(advisor_scope, NO_ACTIONS)
    else:
        actions = NO_ACTIONS
    g.setdefault("_company_actions", {})[(user.id, company_id)] = actions


def _user_id(user) -> int | None:
    return user.id if user is not None and user.is_authenticated else None


def can(user, action: str, company_id: int) -> bool:
    return action in company_actions(user, company_id)


def member_company_ids(user) -> list[int]:
    return list(
        db.session.scalars(
            db.select(Membership.company_id)
            .where(Membership.user_id == user.id)
            .order_by(Membership.company_id)
        )
    )


def get_company_or_404(company_id: int, action: str = "view") -> Company:
    row = db.session.execute(
        _COMPANY, {"company_id": company_id, "user_id": _user_id(current_user)}
    ).first()
    company = row[0] if row else None
    if company is not None:
        _remember_actions(current_user, company_id, row[1], row[2])
    if company is None or not can(current_user, action, company_id):
        deny(company_id if company else None, action)
    return company


def get_assessment_or_404(
    assessment_id: int, action: str = "view", *, with_company: bool = True
) -> Assessment:
    """The assessment, if the user may take `action` on its company. `with_company=False`
    when the caller will most likely not show the company (a save that redirects): the row
    is then loaded alone and `assessment.company` by a query of its own if it is used."""
    user_id = _user_id(current_user)
    read = g.pop("_assessment_read_with_user", None)
    if read is not None and not with_company and read[:2] == (assessment_id, user_id):
        row = read[2] if read[2][0] is not None else None
    else:
        statement = _ASSESSMENT if with_company else _ASSESSMENT_ALONE
        row = db.session.execute(
            statement, {"assessment_id": assessment_id, "user_id": user_id}
        ).first()
    assessment = row[0] if row else None
    if assessment is not None:
        _remember_actions(current_user, assessment.company_id, row[1], row[2])
    if assessment is None or not can(current_user, action, assessment.company_id):
        deny(assessment.company_id if assessment else None, action)
    return assessment


_INDICATOR_ROW_PARTS = 3  # the indicator, the member role, the advisor scope (_INDICATOR)


def indicator_statement(*columns):
    """The indicator loader's statement with more columns of the indicator's row: a page's own
    facts, read in the same statement instead of one of their own (build it once)."""
    return _INDICATOR.add_columns(*columns)


def load_indicator(indicator_id: int, action: str = "view") -> Indicator:
    return _indicator_row(_INDICATOR, indicator_id, action)[0]


def load_indicator_with(statement, indicator_id: int, action: str = "view"):
    """load_indicator() by a statement of indicator_statement(): the indicator and the values
    of the statement's extra columns."""
    row = _indicator_row(statement, indicator_id, action)
    return row[0], tuple(row[_INDICATOR_ROW_PARTS:])


def _indicator_row(statement, indicator_id: int, action: str):
    row = db.session.execute(
        statement, {"indicator_id": indicator_id, "user_id": _user_id(current_user)}
    ).first()
    indicator = row[0] if row else None
    if indicator is not None:
        _remember_actions(current_user, indicator.company_id, row[1], row[2])
    if indicator is None or not can(current_user, action, indicator.company_id):
        deny(indicator.company_id if indicator else None, action, indicator_id=indicator_id)
    return row


def deny(company_id: int | None, action: str, **details):
    """Record the refusal, then answer 403 if the user may see the company, else 404."""
    from app.audit import record

    # Kept out of the company's own audit log (no company_id column): it would show owners
    # who probed their ids, which is the operators' business, not theirs.
    details = {"company_id": company_id, "action": action, **details}
    record("access_denied", details=details, commit=True)
    if company_id is not None and can(current_user, "view", company_id):
        abort(403)
    abort(404)
