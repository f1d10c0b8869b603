"""What the company dashboard shows: its assessments by fiscal year, this year's, the last
submitted one. Reads the shared models directly, so companies/ does not import assessments/."""

from dataclasses import dataclass

from sqlalchemy import Row, bindparam, select

from app.companies.fiscal import fiscal_year_of, today_jst
from app.extensions import db
from app.models import Assessment, Company

_a = Assessment.__table__.c
# Only what the dashboard's table shows, as plain rows (no ORM entities, no scores decoded);
# built once with the company as a parameter.
_ASSESSMENTS = (
    select(_a.id, _a.fiscal_year, _a.status, _a.imported_at)
    .where(_a.company_id == bindparam("company_id"))
    .order_by(_a.fiscal_year.desc())
)


@dataclass(frozen=True)
class Overview:
    assessments: list[Row]  # id, fiscal_year, status, imported_at; newest year first
    current_fiscal_year: int
    current: Row | None
    last_submitted: Row | None


def company_overview(company: Company) -> Overview:
    fy = fiscal_year_of(today_jst(), company.fiscal_year_start_month)
    assessments = db.session.execute(_ASSESSMENTS, {"company_id": company.id}).all()
    return Overview(
        assessments=assessments,
        current_fiscal_year=fy,
        current=next((a for a in assessments if a.fiscal_year == fy), None),
        last_submitted=next((a for a in assessments if a.status == "submitted"), None),
    )
