"""Issue 11, item 8, in Chromium: switch to English on the login page, log in, walk the
dashboard, a step and the results in English, switch back to Japanese. Every page is checked
with axe-core; at 390 px the header (with the switch) and the pages fit the width."""

import os

import pytest

from app.assessments import services
from tests.browser.axe import assert_axe_clean
from tests.conftest import PASSWORD
from tests.integration.kpi_helpers import submitted_assessment, this_fiscal_year

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("SCREENSHOT_DIR")
COMPANY = "英語表示株式会社"


def _shot(page, name):
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def _fits(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    viewport = page.viewport_size["width"]
    assert width <= viewport, f"{page.url}: {width}px wide at {viewport}px"
    header = page.locator(".site-header").bounding_box()
    assert header["width"] <= viewport


def _check(page, name, h1, lang="en"):
    assert page.locator("html").get_attribute("lang") == lang
    assert page.locator("h1").inner_text().strip() == h1
    assert_axe_clean(page)
    _shot(page, f"english-{name}")


@pytest.fixture()
def company(live_server, make_user, make_company):
    owner = make_user(email="english@example.jp")
    company = make_company(owner, name=COMPANY)
    fy = this_fiscal_year()
    done = submitted_assessment(company, owner, fy - 1, lambda i: (2, 4) if i == "1" else (1, 3))
    draft = services.start_assessment(company, fy, owner, prefill=False, index_version="2019-07")
    return owner, company, done, draft


def test_english_journey_and_back(live_server, page, company):
    owner, company, done, draft = company
    fy = this_fiscal_year()
    page.goto(live_server + "/login")
    _check(page, "login-ja", "ログイン", lang="ja")

    # The switch is a plain link, reachable by keyboard, named in its own language.
    english = page.locator("nav.lang-switch").get_by_role("link", name="English")
    assert english.get_attribute("lang") == "en"
    english.focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/login?lang=en")
    _check(page, "login", "Log in")
    assert page.locator("nav.lang-switch [aria-current=true]").inner_text() == "English"

    page.locator("input[name=email]").fill(owner.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda u: "/login" not in u)
    _check(page, "dashboard", COMPANY)  # company data stays as entered
    assert page.get_by_role("heading", name="Company information").is_visible()

    page.get_by_role("link", name="Continue answering").click()
    page.wait_for_url("**/steps/profile")
    _check(page, "profile-step", "Check company information")
    page.get_by_role("button", name="Continue with this information").click()
    page.wait_for_url("**/steps/vision")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("button", name="Save and continue").first.is_visible()
    assert page.get_by_role("navigation", name="Assessment progress").count() == 1
    # app.js takes its messages (unsaved input, expired login) from the page, in English here.
    assert page.evaluate("text('unsaved', '')").startswith("You have input that has not been saved")
    assert_axe_clean(page)
    _shot(page, "english-step")

    page.goto(f"{live_server}/companies/{company.id}")
    assert_axe_clean(page)
    page.get_by_role("link", name="View results").first.click()
    page.wait_for_url(f"**/assessments/{done.id}/results")
    _check(page, "results", f"FY{fy - 1} assessment results")

    # At phone width the header with the switch and the pages stay within the screen.
    page.set_viewport_size({"width": 390, "height": 844})
    for path, name in [
        (f"/assessments/{done.id}/results", "results-390"),
        (f"/companies/{company.id}", "dashboard-390"),
        (f"/assessments/{draft.id}", "step-390"),
        ("/help/glossary", "glossary-390"),
    ]:
        page.goto(live_server + path)
        assert page.locator("html").get_attribute("lang") == "en"
        _fits(page)
        assert_axe_clean(page)
        _shot(page, f"english-{name}")
    page.set_viewport_size({"width": 1280, "height": 900})

    # Back to Japanese, on the same page; the choice is kept on the next page.
    page.goto(f"{live_server}/assessments/{done.id}/results")
    assert_axe_clean(page)
    page.locator("nav.lang-switch").get_by_role("link", name="日本語").click()
    page.wait_for_url(f"**/assessments/{done.id}/results?lang=ja")
    _check(page, "results-ja", f"{fy - 1}年度 診断結果", lang="ja")
    page.goto(f"{live_server}/companies/{company.id}")
    assert page.get_by_role("heading", name="会社情報").is_visible()
    assert_axe_clean(page)
