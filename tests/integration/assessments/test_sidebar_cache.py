"""The assessment pages' sidebar is rendered once per state and kept (app/assessments/cache.py).
After each change that alters it (a saved step, a confirmed profile, an indicator to enter,
another page, another language, another assessment) the sidebar is the one rendered without
the cache, on the first request after the change (a miss) and on the next (a hit). Runs on the
3-item, 2-step test index."""

import pytest

from app.assessments import cache, services
from tests.integration.helpers import step_payload
from tests.integration.kpi_helpers import make_indicator, this_fiscal_year
from tests.integration.member_helpers import sign_in_as_new_viewer

DEFAULT = cache.SIDEBAR_DEFAULT_SIZE


def _sidebar(page) -> str:
    panel = page.select_one("nav.progress-panel")
    assert panel is not None
    return str(panel)


@pytest.fixture()
def sidebar_both_ways(app, client_request):
    """The sidebar of a page without the cache, then twice with it: all three the same."""

    def get(endpoint, **values) -> str:
        app.config["ASSESSMENT_SIDEBAR_CACHE_SIZE"] = 0
        try:
            uncached = _sidebar(client_request.get(endpoint, **values))
        finally:
            app.config["ASSESSMENT_SIDEBAR_CACHE_SIZE"] = DEFAULT
        first = _sidebar(client_request.get(endpoint, **values))
        again = _sidebar(client_request.get(endpoint, **values))
        assert first == uncached, f"{endpoint} {values}: not the uncached sidebar"
        assert again == uncached, f"{endpoint} {values}: not the uncached sidebar (hit)"
        return uncached

    cache.clear()
    yield get
    cache.clear()


def test_the_sidebar_follows_every_change(
    client_request, sidebar_both_ways, owner_with_tiny_assessment, tiny_index
):
    owner, company, assessment = owner_with_tiny_assessment
    step_page = {"assessment_id": assessment.id, "step_id": "first"}
    seen = [sidebar_both_ways("assessments.step", **step_page)]

    def changed(html):
        assert html not in seen
        seen.append(html)

    # a step saved in part (one item left blank), then in full: its count, then its state
    page = client_request.get("assessments.step", **step_page)
    first_item = tiny_index.step("first").item_ids[0]
    data = step_payload(tiny_index.step("first"), 3, 4, page=page, nav="goto:second")
    partial = {**data, f"item-{first_item}-current": "", f"item-{first_item}-target": ""}
    client_request.post("assessments.step", _data=partial, _expected_status=302, **step_page)
    changed(sidebar_both_ways("assessments.step", **step_page))
    page = client_request.get("assessments.step", **step_page)
    data = step_payload(tiny_index.step("first"), 3, 4, page=page, nav="goto:second")
    client_request.post("assessments.step", _data=data, _expected_status=302, **step_page)
    changed(sidebar_both_ways("assessments.step", **step_page))
    # the profile confirmed
    services.confirm_profile(assessment)
    changed(sidebar_both_ways("assessments.step", **step_page))
    # an indicator to enter this year: the KPI step's count
    assert assessment.fiscal_year == this_fiscal_year()
    make_indicator(company, owner)
    changed(sidebar_both_ways("assessments.step", **step_page))
    # another page (the current step, no step-form buttons), another language
    changed(sidebar_both_ways("assessments.step", assessment_id=assessment.id, step_id="second"))
    changed(sidebar_both_ways("assessments.review", assessment_id=assessment.id))
    changed(sidebar_both_ways("assessments.review", assessment_id=assessment.id, lang="en"))
    # another assessment of the same company in the same state as this one was: its own links
    fresh = [
        services.start_assessment(company, year, owner, prefill=False, index_version="test-tiny")
        for year in (assessment.fiscal_year - 1, assessment.fiscal_year - 2)
    ]
    changed(sidebar_both_ways("assessments.review", assessment_id=fresh[0].id))
    changed(sidebar_both_ways("assessments.review", assessment_id=fresh[1].id))


def test_a_reader_gets_links_where_an_editor_gets_buttons(
    app, db, client, login, make_user, sidebar_both_ways, owner_with_tiny_assessment
):
    """The same step in the same state: the owner's sidebar saves the step form on the way
    (buttons), a viewer's only links."""
    _, company, assessment = owner_with_tiny_assessment
    step_page = {"assessment_id": assessment.id, "step_id": "first"}
    editor = sidebar_both_ways("assessments.step", **step_page)
    sign_in_as_new_viewer(db, client, login, make_user, company.id)
    reader = sidebar_both_ways("assessments.step", **step_page)
    assert reader != editor
    assert "button" in editor and "button" not in reader


def test_the_cache_is_bounded(app, client_request, owner_with_tiny_assessment):
    _, _, assessment = owner_with_tiny_assessment
    cache.clear()
    app.config["ASSESSMENT_SIDEBAR_CACHE_SIZE"] = 2
    try:
        for step_id in ("profile", "first", "second"):
            client_request.get("assessments.step", assessment_id=assessment.id, step_id=step_id)
        assert len(cache._SIDEBARS) == 2
    finally:
        app.config["ASSESSMENT_SIDEBAR_CACHE_SIZE"] = DEFAULT
        cache.clear()
