"""What the company dashboard shows: its assessments by fiscal year, this year's, the last
submitted one. Reads the shared models directly, so companies/ does not import assessments/."""

from dataclasses import dataclass

from app.companies.fiscal import fiscal_year_of, today_jst
from app.extensions import db
from app.models import Assessment, Company


@dataclass(frozen=True)
class Overview:
    assessments: list[Assessment]
    current_fiscal_year: int
    current: Assessment | None
    last_submitted: Assessment | None


def company_overview(company: Company) -> Overview:
    fy = fiscal_year_of(today_jst(), company.fiscal_year_start_month)
    assessments = db.session.scalars(
        db.select(Assessment)
        .where(Assessment.company_id == company.id)
        .order_by(Assessment.fiscal_year.desc())
    ).all()
    return Overview(
        assessments=assessments,
        current_fiscal_year=fy,
        current=next((a for a in assessments if a.fiscal_year == fy), None),
        last_submitted=next((a for a in assessments if a.status == "submitted"), None),
    )
