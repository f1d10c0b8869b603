"""The company progress and history pages (members and advisors with a grant)."""

from flask import Blueprint, render_template
from flask_login import current_user

from app.access import get_company_or_404
from app.kpis import progress as kpi_progress
from app.kpis.services import current_fiscal_year
from app.progress.cache import history_parts, kpi_parts, progress_parts
from app.team.history import team_section
from app.web.guards import roles_required

bp = Blueprint("progress", __name__)


@bp.route("/companies/<int:company_id>/progress")
@roles_required("member", "advisor")
def company(company_id):
    company = get_company_or_404(company_id, "view")
    as_of = current_fiscal_year(company)
    # translated once per page, not once per target row (lazy strings re-translate on use)
    labels = {code: str(label) for code, label in kpi_progress.STATUS_LABELS.items()}
    return render_template(
        "progress/index.html",
        company=company,
        as_of=as_of,
        # drawn once per key (cache.py): the 定量指標 per their rows as read now, the targets
        # and the yearly means per the submitted years' stamps
        kpis=kpi_parts(company.id, as_of, labels),
        parts=progress_parts(company.id, as_of, labels),
    )


@bp.route("/companies/<int:company_id>/history")
@roles_required("member", "advisor")
def history(company_id):
    """Every submitted year: means, changes, a chart per figure, the targets set each year;
    for the owners and the team's participants, where the team's views diverged (app/team)."""
    company = get_company_or_404(company_id, "view")
    return render_template(
        "progress/history.html",
        company=company,
        parts=history_parts(company.id),  # drawn once per key of the submitted years (cache.py)
        team=team_section(company.id, current_user),
    )
