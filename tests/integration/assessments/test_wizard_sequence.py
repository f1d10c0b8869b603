"""The wizard's order: profile → questionnaire steps → 定量指標 → review (issue 11, item 2).

The KPI step is a step of the sequence whether or not the company has indicators; without
any it is marked optional (任意) in the sidebar."""

import pytest

from app.assessments import services
from tests.integration.helpers import TINY, TINY_VERSION, step_payload
from tests.integration.kpi_helpers import make_indicator, stored_values, this_fiscal_year


@pytest.fixture()
def draft(tiny_index, make_user, make_company, login):
    owner = make_user(email="owner@example.jp")
    company = make_company(owner)
    assessment = services.start_assessment(
        company, this_fiscal_year(), owner, prefill=False, index_version=TINY_VERSION
    )
    login(owner.email)
    return owner, company, assessment


def _sidebar(page) -> dict[str, str]:
    """{step link text: its state text} of the progress panel."""
    rows = {}
    for li in page.select("nav.progress-panel ol.steps li"):
        state = li.select_one(".step-state")
        rows[li.a.get_text(strip=True)] = " ".join(state.get_text().split()) if state else ""
    return rows


def test_sequence_puts_the_kpi_step_between_the_last_step_and_review(draft):
    _, _, assessment = draft
    assert services.step_sequence(assessment) == ["profile", "first", "second", "kpis", "review"]
    assert services.neighbour_step(assessment, "second", 1) == "kpis"
    assert services.neighbour_step(assessment, "review", -1) == "kpis"


def test_next_on_the_last_step_goes_to_the_kpi_step_then_review(client_request, draft):
    _, _, assessment = draft
    last = TINY.steps[-1]
    kpi_url = client_request.url("assessments.kpi_step", assessment_id=assessment.id)
    page = client_request.get("assessments.step", assessment_id=assessment.id, step_id=last.id)
    client_request.post(
        "assessments.step",
        _data=step_payload(last, 2, 3, page=page),
        _expected_redirect=kpi_url,
        assessment_id=assessment.id,
        step_id=last.id,
    )

    # No indicators: the step says so, is optional, and leads on to review or back.
    kpi_page = client_request.get("assessments.kpi_step", assessment_id=assessment.id)
    assert kpi_page.h1 == f"定量指標（{assessment.fiscal_year}年度の実績）"
    assert _sidebar(kpi_page)["定量指標"] == "任意"
    current = kpi_page.select_one("nav.progress-panel a[aria-current=step]")
    assert current.get_text(strip=True) == "定量指標"
    links = {a.get_text(strip=True): a["href"] for a in kpi_page.select("main .nav-buttons a")}
    assert links == {
        "戻る": client_request.url(
            "assessments.step", assessment_id=assessment.id, step_id=last.id
        ),
        "確認・提出へ進む": client_request.url("assessments.review", assessment_id=assessment.id),
    }

    # Review's back button returns to the KPI step.
    review = client_request.get("assessments.review", assessment_id=assessment.id)
    buttons = review.select("main a.button")
    [back] = [a for a in buttons if a.get_text(strip=True).startswith("戻る")]
    assert back["href"] == kpi_url


def test_kpi_step_with_indicators_counts_and_navigates(client_request, db, draft):
    owner, company, assessment = draft
    people = make_indicator(company, owner)
    make_indicator(company, owner, name="デジタル売上比率")
    fy = assessment.fiscal_year
    kpi_url = client_request.url("assessments.kpi_step", assessment_id=assessment.id)

    profile = client_request.get("assessments.profile_step", assessment_id=assessment.id)
    assert _sidebar(profile)["定量指標"] == "0/2 未入力"

    # 保存して戻る goes to the last questionnaire step, 保存して確認・提出へ to review.
    client_request.post(
        "assessments.kpi_step",
        _data={f"kpi-{people.id}": "7", "nav": "back"},
        _expected_redirect=client_request.url(
            "assessments.step", assessment_id=assessment.id, step_id=TINY.steps[-1].id
        ),
        assessment_id=assessment.id,
    )
    assert stored_values(db, people.id) == {fy: 7}
    client_request.post(
        "assessments.kpi_step",
        _data={f"kpi-{people.id}": "8", "nav": "next"},
        _expected_redirect=client_request.url("assessments.review", assessment_id=assessment.id),
        assessment_id=assessment.id,
    )
    page = client_request.get_url(kpi_url)
    assert _sidebar(page)["定量指標"] == "1/2 途中"
    assert page.field_value(f"kpi-{people.id}") == "8"
