"""Issue 11, journey item 1, in Chromium: leaving a step through the sidebar saves it first
(change an answer, open another step, come back: nothing lost); the app's other links and
closing the page warn while input is unsaved."""

import os

import pytest

from app.assessments import services
from questionnaires import load_index
from tests.browser.axe import assert_axe_clean
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser
INDEX = load_index("2019-07")
FIRST, SECOND = INDEX.steps[0], INDEX.steps[1]
ITEM = FIRST.item_ids[0]
SHOTS = os.environ.get("SCREENSHOT_DIR")
LEAVE_WARNING = (
    "保存していない入力があります。このページを離れると入力内容は失われます。移動しますか？"
)


# Tests ask for live_server before page, so the server outlives the browser at teardown.
@pytest.fixture()
def on_first_step(live_server, page, make_user, make_company):
    owner = make_user(email="sidebar@example.jp")
    company = make_company(owner, name="サイドバー検証株式会社")
    assessment = services.start_assessment(
        company, 2026, owner, prefill=False, index_version="2019-07"
    )
    page.goto(live_server + "/login")
    assert_axe_clean(page)
    page.get_by_label("メールアドレス").fill(owner.email)
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    assert_axe_clean(page)
    page.goto(f"{live_server}/assessments/{assessment.id}/steps/{FIRST.id}")
    assert page.locator("h1").inner_text() == FIRST.title
    assert_axe_clean(page)
    return assessment


def _sidebar(page):
    return page.get_by_role("navigation", name="診断の進み具合")


def test_sidebar_saves_the_step_and_coming_back_loses_nothing(live_server, page, on_first_step):
    page.locator(f"input[name='item-{ITEM}-current'][value='3']").check()
    page.locator(f"input[name='item-{ITEM}-target'][value='5']").check()
    page.locator(f"textarea[name='item-{ITEM}-evidence']").fill("経営会議で合意した")
    page.locator(f"textarea[name='item-{ITEM}-action']").fill("来期に全社説明会")
    _sidebar(page).get_by_role("button", name=SECOND.title).click()  # no dialog: it saves
    assert page.locator("h1").inner_text() == SECOND.title
    assert_axe_clean(page)
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, "sidebar-saved.png"), full_page=False)

    _sidebar(page).get_by_role("button", name=FIRST.title).click()
    assert page.locator("h1").inner_text() == FIRST.title
    assert page.locator(f"input[name='item-{ITEM}-current'][value='3']").is_checked()
    assert page.locator(f"input[name='item-{ITEM}-target'][value='5']").is_checked()
    assert (
        page.locator(f"textarea[name='item-{ITEM}-evidence']").input_value() == "経営会議で合意した"
    )
    assert page.locator(f"textarea[name='item-{ITEM}-action']").input_value() == "来期に全社説明会"
    # The step was saved once (step 2, untouched, was left without being marked saved).
    assert services.step_versions(on_first_step) == {FIRST.id: 1}


def test_other_links_ask_before_unsaved_input_is_dropped(live_server, page, on_first_step):
    messages = []

    def answer(dialog, accept):
        messages.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    url = page.url
    breadcrumb = page.locator(".breadcrumb a")
    page.locator(f"textarea[name='item-{ITEM}-evidence']").fill("まだ保存していない根拠")
    page.once("dialog", lambda d: answer(d, False))
    breadcrumb.click()
    page.wait_for_timeout(300)
    assert messages == [LEAVE_WARNING] and page.url == url  # stayed, input still there
    assert page.locator(f"textarea[name='item-{ITEM}-evidence']").input_value() == (
        "まだ保存していない根拠"
    )

    # Closing the tab (or reloading) gets the browser's own warning.
    page.once("dialog", lambda d: answer(d, False))
    page.close(run_before_unload=True)
    page.wait_for_timeout(500)
    assert len(messages) == 2 and not page.is_closed()

    # Confirming leaves at once (no second, browser dialog) and nothing was saved.
    page.once("dialog", lambda d: answer(d, True))
    breadcrumb.click()
    page.wait_for_url(lambda u: u != url)
    assert len(messages) == 3 and page.locator("h1").inner_text() == "サイドバー検証株式会社"
    assert_axe_clean(page)
    assert services.step_versions(on_first_step) == {}


def test_enter_in_an_answer_still_means_save_and_next(live_server, page, on_first_step):
    # The sidebar's buttons come first in the document; the form's default must not be one.
    radio = page.locator(f"input[name='item-{ITEM}-current'][value='2']")
    radio.check()
    radio.press("Enter")
    page.wait_for_url(lambda u: u.endswith(f"/steps/{SECOND.id}"))
    assert page.locator("h1").inner_text() == SECOND.title
    assert_axe_clean(page)
    assert services.step_versions(on_first_step) == {FIRST.id: 1}
