"""What the API reads and writes, as plain functions over the features' own services. Access
is decided by app/access.py only; these functions take already-authorised objects."""

from datetime import UTC
from decimal import Decimal

from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from app.access import can, company_actions
from app.api.schemas import (
    ActualOut,
    AnswerOut,
    AssessmentOut,
    AssessmentSummary,
    CompanyIn,
    CompanyOut,
    FrameworkOut,
    GroupOut,
    IndexOut,
    IndexSummary,
    IndicatorOut,
    ItemOut,
    ItemScoreOut,
    LevelOut,
    ReleaseOut,
    ReportOut,
    ReportTableOut,
    ScoresOut,
    StatOut,
)
from app.assessments import services as assessment_services
from app.companies.forms import CompanyForm
from app.companies.services import create_company
from app.extensions import db
from app.indexes.services import default_version
from app.kpis import services as kpi_services
from app.models import AdvisorGrant, Assessment, Company, Membership
from app.reports.services import report_tables, requested_report
from questionnaires import available_versions, load_index


def _utc(value):
    """Stored times are UTC; SQLite returns them naive. The API always says +00:00."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


# -- indexes -----------------------------------------------------------------------------------


def index_versions() -> list[IndexSummary]:
    default = default_version()
    return [
        IndexSummary(version=v, title=load_index(v).title, default=v == default)
        for v in sorted(available_versions())
    ]


def index_out(version: str) -> IndexOut | None:
    if version not in available_versions():
        return None
    index = load_index(version)
    return IndexOut(
        version=index.version_id,
        title=index.title,
        source=index.source,
        levels=[
            LevelOut(value=lv.value, name=lv.name, description=lv.description)
            for lv in index.levels
        ],
        frameworks=[
            FrameworkOut(id=f.id, name=f.name, item_ids=list(f.item_ids)) for f in index.frameworks
        ],
        groups=[
            GroupOut(
                id=gr.id, title=gr.title, framework_id=gr.framework_id, item_ids=list(gr.item_ids)
            )
            for gr in index.groups
        ],
        items=[
            ItemOut(
                id=i.id,
                parent_id=i.parent_id,
                kind=str(getattr(i.kind, "value", i.kind)),
                framework_id=i.framework_id,
                group_id=i.group_id,
                category=i.category,
                subcategory=i.subcategory,
                title=i.title,
                question=i.question,
                question_verified=i.question_verified,
                step_id=i.step_id,
            )
            for i in index.items
        ],
    )


# -- companies ---------------------------------------------------------------------------------


def visible_company_ids(user) -> list[int]:
    """Candidates from memberships and grants, each confirmed by the one access table."""
    candidates = set(
        db.session.scalars(select(Membership.company_id).where(Membership.user_id == user.id))
    ) | set(
        db.session.scalars(
            select(AdvisorGrant.company_id).where(
                AdvisorGrant.advisor_id == user.id, AdvisorGrant.revoked_at.is_(None)
            )
        )
    )
    return sorted(cid for cid in candidates if can(user, "view", cid))


def company_out(company: Company, user) -> CompanyOut:
    return CompanyOut(
        id=company.id,
        name=company.name,
        corporate_number=company.corporate_number,
        is_sole_proprietor=company.is_sole_proprietor,
        prefecture_code=company.prefecture_code,
        jsic_division=company.jsic_division,
        sme_sector=company.sme_sector,
        employees=company.employees,
        capital_yen=company.capital_yen,
        fiscal_year_start_month=company.fiscal_year_start_month,
        actions=sorted(company_actions(user, company.id)),
    )


def companies_page(user, after: int | None, limit: int) -> list[Company]:
    ids = [cid for cid in visible_company_ids(user) if after is None or cid > after][: limit + 1]
    if not ids:
        return []
    return list(db.session.scalars(select(Company).where(Company.id.in_(ids)).order_by(Company.id)))


def company_form(data: CompanyIn) -> CompanyForm:
    """The web form, filled from the JSON body: the same validation as the profile page."""
    fields = data.model_dump()
    formdata = MultiDict(
        {
            "name": fields["name"],
            "corporate_number": fields["corporate_number"] or "",
            "prefecture_code": fields["prefecture_code"],
            "jsic_division": fields["jsic_division"],
            "sme_sector": fields["sme_sector"],
            "employees": "" if fields["employees"] is None else str(fields["employees"]),
            "capital_yen": "" if fields["capital_yen"] is None else str(fields["capital_yen"]),
            "fiscal_year_start_month": str(fields["fiscal_year_start_month"]),
        }
    )
    if fields["is_sole_proprietor"]:
        formdata["is_sole_proprietor"] = "y"
    return CompanyForm(formdata=formdata, meta={"csrf": False})


def form_errors(form) -> list[dict]:
    return [
        {"pointer": "/" + name, "detail": message}
        for name, messages in form.errors.items()
        for message in messages
    ]


def new_company(form: CompanyForm, user) -> Company:
    return create_company(form, user)  # raises DuplicateCorporateNumber


# -- assessments -------------------------------------------------------------------------------


def assessment_out(assessment: Assessment) -> AssessmentOut:
    index = assessment_services.index_of(assessment)
    rows = assessment_services.answer_rows(assessment)
    missing = assessment_services.missing_items(assessment, rows)
    return AssessmentOut(
        id=assessment.id,
        company_id=assessment.company_id,
        fiscal_year=assessment.fiscal_year,
        index_version=assessment.index_version,
        status=assessment.status,
        version=assessment.version,
        profile_confirmed=assessment.profile_confirmed_at is not None,
        created_at=_utc(assessment.created_at),
        submitted_at=_utc(assessment.submitted_at),
        missing_item_ids=[m.id for m in missing],
        answers=[
            AnswerOut(
                item_id=item.id,
                current=rows[item.id].current_level,
                target=rows[item.id].target_level,
                evidence=rows[item.id].evidence or "",
                action=rows[item.id].action or "",
            )
            for item in index.items
            if item.id in rows
        ],
    )


def assessment_summary(a: Assessment) -> AssessmentSummary:
    return AssessmentSummary(
        id=a.id,
        company_id=a.company_id,
        fiscal_year=a.fiscal_year,
        index_version=a.index_version,
        status=a.status,
        version=a.version,
        submitted_at=_utc(a.submitted_at),
    )


def assessments_page(company_id: int, after: int | None, limit: int) -> list[Assessment]:
    query = select(Assessment).where(Assessment.company_id == company_id)
    if after is not None:
        query = query.where(Assessment.id > after)
    return list(db.session.scalars(query.order_by(Assessment.id).limit(limit + 1)))


def existing_assessment(company_id: int, fiscal_year: int) -> Assessment | None:
    return db.session.scalar(
        select(Assessment).where(
            Assessment.company_id == company_id, Assessment.fiscal_year == fiscal_year
        )
    )


def scores_out(assessment: Assessment) -> ScoresOut | None:
    """The stored card the results page shows (the last submitted one while re-editing)."""
    shown = assessment_services.shown_version(assessment)
    if shown is None:
        return None
    card = shown.scores

    def stat(d):
        return StatOut(**{k: d[k] for k in StatOut.model_fields})

    return ScoresOut(
        assessment_id=assessment.id,
        index_version=shown.index_version,
        scoring_version=shown.scoring_version,
        submitted_at=_utc(shown.submitted_at),
        revision=shown.revision,
        leading=card.get("leading"),
        complete=bool(card.get("complete")),
        overall=stat(card["overall"]),
        frameworks={k: stat(v) for k, v in card["frameworks"].items()},
        groups={k: stat(v) for k, v in card["groups"].items()},
        items={
            k: ItemScoreOut(**{f: v[f] for f in ItemScoreOut.model_fields})
            for k, v in card["items"].items()
        },
    )


def _decimal_text(value) -> str:
    """'1234.500000' -> '1234.5': exact, no grouping, never scientific notation."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


# -- indicators --------------------------------------------------------------------------------


def indicators_page(company_id: int, after: int | None, limit: int) -> list[IndicatorOut]:
    indicators = [
        i for i in kpi_services.active_indicators(company_id) if after is None or i.id > after
    ]
    indicators.sort(key=lambda i: i.id)
    indicators = indicators[: limit + 1]
    values = kpi_services.values_by_indicator([i.id for i in indicators])
    return [
        IndicatorOut(
            id=i.id,
            name=i.name,
            definition=i.definition,
            value_type=i.value_type,
            unit=i.unit,
            direction=i.direction,
            baseline_year=i.baseline_year,
            baseline_value=_decimal_text(i.baseline_value),
            target_year=i.target_year,
            target_value=_decimal_text(i.target_value),
            cycle=i.cycle,
            archived=i.archived_at is not None,
            actuals=[
                ActualOut(fiscal_year=year, value=_decimal_text(value))
                for year, value in sorted(values[i.id].items())
            ],
        )
        for i in indicators
    ]


def _report_value(value):
    if isinstance(value, Decimal):
        return format(value, "f")  # exact, with its places (2.00), as the CSV writes it
    if value is None or isinstance(value, int | str):
        return value
    return str(value)  # a lazily translated label


def _release_out(release) -> ReleaseOut:
    return ReleaseOut(
        id=release.id,
        fiscal_year=release.fiscal_year,
        index_version=release.index_version,
        released_at=release.released_at.isoformat(),
        label=release.label,
    )


def report_out(bureau_code: str | None, args) -> ReportOut:
    """The bureau page's report as JSON: the same request parsing and the same tables."""
    report, notices = requested_report(bureau_code, args)
    if report is None:
        return ReportOut(
            scope=bureau_code or "", name="", release=None, releases=[], notices=notices, tables=[]
        )
    return ReportOut(
        scope=report.scope,
        name=str(report.name),
        release=_release_out(report.release) if report.release else None,
        releases=[_release_out(r) for r in report.releases],
        filter=list(report.filter) if report.filter else None,
        notices=notices,
        tables=[
            ReportTableOut(
                key=t.key,
                heading=str(t.heading),
                title=str(t.title),
                columns=[str(c) for c in t.columns],
                rows=[[_report_value(v) for v in row] for row in t.rows],
            )
            for t in report_tables(report)
        ],
    )
