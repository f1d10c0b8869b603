"""Issue 11, items 5 and 6, in Chromium: 「PDFで保存」 downloads the results report (read back with
pypdf), printing the results page leaves out the navigation and buttons, and at 390 px the
results, history and every step page fit the width, with the step navigation a compact bar
and answered items collapsed, all usable from the keyboard."""

import os
from io import BytesIO

import pytest
from pypdf import PdfReader

from app.assessments import services
from questionnaires import load_index
from tests.browser.axe import assert_axe_clean
from tests.conftest import PASSWORD
from tests.integration.kpi_helpers import make_indicator, submitted_assessment, this_fiscal_year

pytestmark = pytest.mark.browser
INDEX = load_index("2019-07")
SHOTS = os.environ.get("SCREENSHOT_DIR")
COMPANY = "印刷検証株式会社"
PHONE = {"width": 390, "height": 844}


def _shot(page, name):
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def _text(pdf: bytes) -> str:
    reader = PdfReader(BytesIO(pdf))
    return "".join("".join(p.extract_text().split()) for p in reader.pages)


@pytest.fixture()
def company_with_years(live_server, page, make_user, make_company):
    """Last year submitted; this year a draft started from it (every item answered, so the
    step pages show their items collapsed), signed in as the owner."""
    owner = make_user(email="print@example.jp")
    company = make_company(owner, name=COMPANY)
    fy = this_fiscal_year()
    done = submitted_assessment(company, owner, fy - 1, lambda i: (2, 4) if i == "1" else (1, 3))
    draft = services.start_assessment(company, fy, owner, prefill=True, index_version="2019-07")
    make_indicator(company, owner)
    page.goto(live_server + "/login")
    assert_axe_clean(page)
    page.get_by_label("メールアドレス").fill(owner.email)
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_url(lambda u: "/login" not in u)
    assert_axe_clean(page)
    return company, done, draft


def test_pdf_download_and_print_of_the_results(live_server, page, company_with_years, tmp_path):
    company, done, _ = company_with_years
    page.goto(f"{live_server}/assessments/{done.id}/results")
    assert_axe_clean(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="PDFで保存").click()
    path = tmp_path / "report.pdf"
    download.value.save_as(path)
    assert download.value.suggested_filename.endswith(".pdf")
    text = _text(path.read_bytes())
    assert COMPANY in text
    for item in INDEX.items:
        assert item.title.replace(" ", "") in text, item.title

    # The browser's own printing: A4, no header, sidebar, buttons or forms.
    page.emulate_media(media="print")
    assert page.locator(".site-header").is_hidden()
    assert page.locator(".with-sidebar > aside").is_hidden()
    assert page.get_by_role("link", name="PDFで保存").is_hidden()
    assert page.locator("#comments form").count() == 0 or page.locator("#comments form").is_hidden()
    assert page.locator(".print-only.report-company").is_visible()
    printed = page.pdf(format="A4", print_background=True)
    if SHOTS:
        (tmp_path / "printed.pdf").write_bytes(printed)
        with open(os.path.join(SHOTS, "results-printed.pdf"), "wb") as f:
            f.write(printed)
    text = _text(printed)
    assert COMPANY in text and INDEX.items[0].title in text
    assert "ログアウト" not in text and "再編集する" not in text and "PDFで保存" not in text
    page.emulate_media(media="screen")


def _fits(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def test_phone_width_results_history_and_steps(live_server, page, company_with_years):
    company, done, draft = company_with_years
    page.set_viewport_size(PHONE)

    page.goto(f"{live_server}/assessments/{done.id}/results")
    assert_axe_clean(page)
    assert _fits(page) <= 390
    _shot(page, "phone-results")
    page.goto(f"{live_server}/companies/{company.id}/history")
    assert_axe_clean(page)
    assert page.locator("h1").inner_text() == "自己診断の履歴"
    assert _fits(page) <= 390
    _shot(page, "phone-history")

    for step in INDEX.steps:
        page.goto(f"{live_server}/assessments/{draft.id}/steps/{step.id}")
        assert_axe_clean(page)
        assert page.locator("h1").inner_text() == step.title
        assert _fits(page) <= 390, step.id
        # The step navigation is a closed bar naming the step; the answered items are closed.
        nav = page.locator("details.step-nav")
        assert nav.get_attribute("open") is None
        assert page.locator("details.step-nav > summary .step-nav-here").inner_text() == step.title
        assert page.locator("details.item-card[open]").count() == 0
    _shot(page, "phone-step-collapsed")
    for tail, heading in (("kpis", "定量指標"), ("review", "回答の確認と提出")):
        page.goto(f"{live_server}/assessments/{draft.id}/{tail}")
        assert_axe_clean(page)
        assert page.locator("h1").inner_text().startswith(heading)
        assert _fits(page) <= 390, tail
        assert page.locator("details.step-nav").get_attribute("open") is None
    _shot(page, "phone-review")

    # Keyboard: open an item from its summary, change an answer, open the bar and leave
    # through a step button, which saves (the unsaved-input guard lets a save through).
    last = INDEX.steps[-1]
    item = last.item_ids[0]
    page.goto(f"{live_server}/assessments/{draft.id}/steps/{last.id}")
    assert_axe_clean(page)
    summary = page.locator(f"details#item-{item} > summary")
    summary.focus()
    page.keyboard.press("Enter")
    expect_open = page.locator(f"details#item-{item}[open]")
    expect_open.wait_for(state="attached")
    radio = page.locator(f"input[name='item-{item}-current'][value='5']")
    radio.focus()
    page.keyboard.press("Space")
    assert radio.is_checked()
    _shot(page, "phone-step-item-open")
    page.locator("details.step-nav > summary").focus()
    page.keyboard.press("Enter")
    page.locator("details.step-nav[open]").wait_for(state="attached")
    button = page.get_by_role("navigation", name="診断の進み具合").get_by_role(
        "button", name=INDEX.steps[0].title
    )
    button.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(lambda u: u.endswith(f"/steps/{INDEX.steps[0].id}"))
    assert_axe_clean(page)
    page.goto(f"{live_server}/assessments/{draft.id}/steps/{last.id}")
    assert_axe_clean(page)
    assert page.locator(f"input[name='item-{item}-current'][value='5']").is_checked()
    assert page.locator(f"details#item-{item} .item-state").inner_text().startswith("現在 5")
