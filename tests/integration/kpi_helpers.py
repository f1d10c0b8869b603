"""Helpers for the KPI and progress tests: the fiscal year as the app sees it, indicators
created through the service layer, and submitted assessments with chosen levels."""

from decimal import Decimal

from app.assessments import services as assessment_services
from app.companies.fiscal import fiscal_year_of, today_jst
from app.kpis import services
from app.kpis.forms import IndicatorInput
from app.models import Indicator, IndicatorValue, TargetRevision
from questionnaires import DEFAULT_VERSION, load_index
from tests.conftest import csrf_from

INDEX = load_index(DEFAULT_VERSION)
FRESHNESS = ["リアルタイム", "日次", "週次", "月次"]


def this_fiscal_year() -> int:
    """The company fixture's fiscal year starts in April, as in conftest.make_company."""
    return fiscal_year_of(today_jst(), 4)


def make_indicator(company, user, **overrides) -> Indicator:
    fy = this_fiscal_year()
    fields = {
        "name": "DX人材（事業）の数",
        "definition": "DX推進室の所属者と研修修了者の合計（年度末）",
        "value_type": "people",
        "unit": "人",
        "scale": None,
        "direction": "higher",
        "baseline_year": fy - 3,
        "baseline_value": Decimal(5),
        "target_year": fy,
        "target_value": Decimal(20),
        "example_id": None,
    }
    fields.update(overrides)
    return services.create_indicator(company, IndicatorInput(**fields), user)


def counts(db) -> tuple[int, int, int]:
    """(indicators, values, target revisions): a refused request must leave all three alone."""
    return tuple(
        db.session.scalar(db.select(db.func.count(model.id)))
        for model in (Indicator, IndicatorValue, TargetRevision)
    )


def stored_values(db, indicator_id) -> dict[int, Decimal]:
    rows = db.session.scalars(
        db.select(IndicatorValue).where(IndicatorValue.indicator_id == indicator_id)
    )
    return {r.fiscal_year: Decimal(r.value) for r in rows}


def post_form(client, page_url, action_url, data):
    page = client.get(page_url)
    assert page.status_code == 200, page.status_code
    return client.post(action_url, data={"csrf_token": csrf_from(page), **data})


def post_values(client, indicator_id, values: dict[int, str]):
    url = f"/kpis/{indicator_id}"
    return post_form(
        client, url, f"{url}/values", {f"value-{year}": text for year, text in values.items()}
    )


def indicator_form(**fields) -> dict:
    data = {
        "name": "独自指標",
        "definition": "自社での定義",
        "value_type": "number",
        "unit": "",
        "scale": "",
        "direction": "higher",
        "baseline_year": str(this_fiscal_year() - 3),
        "baseline_value": "10",
        "target_year": "",
        "target_value": "20",
    }
    data.update(fields)
    return data


def create_via_form(client, company_id, example=None, **fields):
    page_url = f"/companies/{company_id}/kpis/new" + (f"?example={example}" if example else "")
    data = indicator_form(**fields)
    if example:
        data["example_id"] = example
    return post_form(client, page_url, f"/companies/{company_id}/kpis/new", data)


def submitted_assessment(company, user, year, levels):
    """A submitted assessment; ``levels(item_id) -> (current, target)``."""
    assessment = assessment_services.start_assessment(
        company, year, user, prefill=False, index_version=DEFAULT_VERSION
    )
    assessment_services.confirm_profile(assessment)
    for step in INDEX.steps:
        values = {}
        for item_id in step.item_ids:
            current, target = levels(item_id)
            values[item_id] = {"current": current, "target": target, "evidence": "", "action": ""}
        assessment_services.save_step(assessment, step, values, 0, user)
    assert assessment_services.submit(assessment, assessment.version, user)
    return assessment


def summary_counts(page, heading_start: str) -> dict[str, int]:
    """The status counts listed under the progress page's summary heading that begins with
    ``heading_start``: {status code: number}."""
    headings = [h for h in page.select("h3") if h.get_text().startswith(heading_start)]
    assert len(headings) == 1, f"{len(headings)} headings begin with {heading_start!r}"
    counts = headings[0].find_next_sibling("ul", class_="status-counts")
    return {
        li["class"][0].removeprefix("status-"): int(li.strong.get_text())
        for li in counts.find_all("li")
    }
