"""Issue 11 journeys in Chromium, each page checked with axe-core: a new company with a KPI to
submitted results; reopen and resubmit; keyboard only (skip link, focus never under the sticky
save bar)."""

import os
import re

import pytest

from app.assessments import services
from questionnaires import DEFAULT_VERSION, load_index
from tests.browser.axe import assert_axe_clean
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser
INDEX = load_index(DEFAULT_VERSION)
SHOTS = os.environ.get("SCREENSHOT_DIR")


def _shot(page, name):
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def _login(page, base, email):
    page.goto(base + "/login")
    assert_axe_clean(page)
    page.get_by_label("メールアドレス").fill(email)
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    assert_axe_clean(page)


def _answer_step(page, step, current, target):
    for item_id in step.item_ids:
        card = page.locator(f"details#item-{item_id}")
        if card.get_attribute("open") is None:  # answered items start collapsed
            card.locator("summary").click()
        page.locator(f"input[name='item-{item_id}-current'][value='{current}']").check()
        page.locator(f"input[name='item-{item_id}-target'][value='{target}']").check()


def test_new_company_with_a_kpi_to_submitted_results(live_server, page, make_user):
    user = make_user(email="kpi-journey@example.jp")
    _login(page, live_server, user.email)
    page.goto(live_server + "/companies/new")
    assert_axe_clean(page)
    page.get_by_label("会社名（屋号）").fill("指標工業株式会社")
    page.get_by_label("法人番号（13桁）").fill("７１２３４５６７８９０１２")  # full width is fine
    page.get_by_label("本社所在地（都道府県）").select_option("13")
    page.get_by_label("業種（日本標準産業分類 大分類）").select_option("E")
    page.get_by_label("中小企業基本法上の業種区分").select_option("manufacturing_and_other")
    page.get_by_label("常時使用する従業員数（人）").fill("120")
    page.get_by_role("button", name="保存する").click()
    assert page.locator("h1").inner_text() == "指標工業株式会社"
    assert_axe_clean(page)
    start = page.get_by_role("button", name=re.compile("年度の診断を始める"))
    year = int(re.match(r"(\d{4})年度", start.inner_text()).group(1))

    # A company indicator measured from last year, with a target three years on.
    page.get_by_role("link", name="定量指標").first.click()
    assert_axe_clean(page)
    page.get_by_role("link", name="独自の指標を追加").click()
    assert_axe_clean(page)
    page.get_by_label("指標名").fill("DX研修の修了者数")
    page.get_by_label("自社での定義（算出方法・対象範囲）").fill("各年度末時点のDX研修修了者の数")
    page.get_by_label("値の種類").select_option("number")
    page.get_by_label("単位（「数値」のとき）").fill("人")
    page.get_by_label("基準年度", exact=True).fill(str(year - 1))
    page.get_by_label("基準値（基準年度の実績）").fill("10")
    page.get_by_label("目標値", exact=True).fill("40")
    page.get_by_role("button", name="追加する").click()
    assert page.locator("h1").inner_text().startswith("DX研修の修了者数")
    assert_axe_clean(page)

    page.locator(".breadcrumb a").first.click()
    assert_axe_clean(page)
    page.get_by_role("button", name=f"{year}年度の診断を始める").click()
    assert_axe_clean(page)
    page.get_by_role("button", name="この内容で次へ").click()
    for step in INDEX.steps:
        assert page.locator("h1").inner_text() == step.title
        assert_axe_clean(page)
        _answer_step(page, step, 2, 3)
        page.get_by_role("button", name="保存して次へ").click()

    assert page.locator("h1").inner_text() == f"定量指標（{year}年度の実績）"
    assert_axe_clean(page)
    page.get_by_label(f"DX研修の修了者数 の{year}年度の実績").fill("18")
    page.get_by_role("button", name="保存して確認・提出へ").click()
    assert page.locator("h1").inner_text() == "回答の確認と提出"
    assert_axe_clean(page)
    assert f"{year}年度の実績: 1件中 1件 入力済み" in page.locator("main").inner_text()
    page.get_by_role("button", name="提出する").click()

    assert "診断結果" in page.locator("h1").inner_text()
    assert_axe_clean(page)
    assert page.locator(".score-tile .value").first.inner_text() == "2.00"
    _shot(page, "kpi-journey-results")

    # The indicator's actual shows on the progress page and on its own page (both with charts).
    page.goto(live_server + page.locator(".breadcrumb a").first.get_attribute("href"))
    assert_axe_clean(page)
    page.get_by_role("link", name=re.compile("進捗")).first.click()
    assert_axe_clean(page)
    card = page.locator(".progress-card", has_text="DX研修の修了者数")
    assert card.count() == 1
    _shot(page, "kpi-journey-progress")
    card.get_by_role("link", name="DX研修の修了者数").click()
    assert page.locator("h1").inner_text().startswith("DX研修の修了者数")
    assert_axe_clean(page)
    assert page.get_by_label(f"{year}年度の実績", exact=True).input_value() == "18"
    _shot(page, "kpi-journey-indicator")


@pytest.fixture()
def submitted_year(make_user, make_company):
    owner = make_user(email="reopen@example.jp")
    company = make_company(owner, name="再提出株式会社")
    assessment = services.start_assessment(
        company, 2025, owner, prefill=False, index_version=DEFAULT_VERSION
    )
    services.confirm_profile(assessment)
    for step in INDEX.steps:
        values = {
            i: {"current": 2, "target": 4, "evidence": "", "action": ""} for i in step.item_ids
        }
        services.save_step(assessment, step, values, 0, owner)
    services.submit(assessment, assessment.version, owner)
    return owner, assessment


def test_reopen_and_resubmit(live_server, page, submitted_year):
    owner, assessment = submitted_year
    _login(page, live_server, owner.email)
    page.goto(f"{live_server}/assessments/{assessment.id}/results")
    assert_axe_clean(page)
    assert page.locator(".score-tile .value").first.inner_text() == "2.00"

    page.get_by_role("link", name="再編集する").click()
    assert page.locator("h1").inner_text() == "2025年度の診断を再編集しますか"
    assert_axe_clean(page)
    page.get_by_role("button", name="再編集する").click()
    assert_axe_clean(page)  # the first step (all answered: resume opens the review)

    # Change every answer of the first step to 5, then resubmit from the review.
    first = INDEX.steps[0]
    page.goto(f"{live_server}/assessments/{assessment.id}/steps/{first.id}")
    assert_axe_clean(page)
    _answer_step(page, first, 5, 5)
    page.get_by_role("button", name="保存して中断").click()
    assert_axe_clean(page)

    # While edited again, the results page keeps the last submitted scores, marked as such.
    page.goto(f"{live_server}/assessments/{assessment.id}/results")
    assert_axe_clean(page)
    assert "再編集中：前回提出した内容を表示しています" in page.locator("main").inner_text()
    assert page.locator(".score-tile .value").first.inner_text() == "2.00"

    page.goto(f"{live_server}/assessments/{assessment.id}/review")
    assert_axe_clean(page)
    page.get_by_role("button", name="提出する").click()
    assert "診断結果" in page.locator("h1").inner_text()
    assert_axe_clean(page)
    n = len(first.item_ids)
    expected = f"{(5 * n + 2 * (35 - n)) / 35:.2f}"
    assert page.locator(".score-tile .value").first.inner_text() == expected
    assert "再編集中" not in page.locator("main").inner_text()
    assert "第1版" in page.locator("main").inner_text()  # the first submission kept
    _shot(page, "reopen-resubmitted")


def _longest_step():
    return max(INDEX.steps, key=lambda s: len(s.item_ids))


@pytest.mark.parametrize("width", [1280, 390])
def test_keyboard_skip_link_and_focus_clear_of_the_save_bar(
    live_server, page, make_user, make_company, width
):
    page.set_viewport_size({"width": width, "height": 800})
    owner = make_user(email="keyboard@example.jp")
    company = make_company(owner, name="キーボード株式会社")
    assessment = services.start_assessment(
        company, 2026, owner, prefill=False, index_version=DEFAULT_VERSION
    )
    step = _longest_step()
    _login(page, live_server, owner.email)
    page.goto(f"{live_server}/assessments/{assessment.id}/steps/{step.id}")
    assert_axe_clean(page)

    # The first Tab stop is the skip link; following it, the next Tab is the first item's
    # summary (it folds the item) and the one after it the first answer.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert (
        page.evaluate(
            "document.activeElement.tagName + '#' + document.activeElement.parentElement.id"
        )
        == f"SUMMARY#item-{step.item_ids[0]}"
    )
    page.keyboard.press("Tab")
    first_radio = f"item-{step.item_ids[0]}-current"
    assert page.evaluate("document.activeElement.name") == first_radio

    # Tab through the whole form: no focused element is hidden behind the sticky save bar.
    last = f"item-{step.item_ids[-1]}-action"
    hidden = []
    for _ in range(400):
        page.keyboard.press("Tab")
        state = page.evaluate(
            """async (last) => {
              // after the page's own adjustment (app.js, on the next animation frame)
              await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
              const el = document.activeElement;
              const form = document.getElementById('step-form');
              if (!form.contains(el) || el.closest('.nav-buttons')) return null;
              const r = el.getBoundingClientRect();
              const bar = document.querySelector('.nav-buttons').getBoundingClientRect();
              return {name: el.name || el.id, bottom: r.bottom, barTop: bar.top,
                      done: el.name === last};
            }""",
            last,
        )
        if state is None:
            continue
        if state["bottom"] > state["barTop"]:
            hidden.append(state)
        if state["done"]:
            break
    else:
        pytest.fail("never reached the last item's action field")
    assert hidden == []


def test_advisor_comments_and_the_owner_is_mailed(live_server, page, submitted_year, make_user, db):
    from app.models import AdvisorGrant
    from app.web.mail import outbox

    owner, assessment = submitted_year
    advisor = make_user(
        role="advisor",
        email="advisor-b@example.jp",
        display_name="支援 次郎",
        organisation="商工会",
    )
    db.session.add(
        AdvisorGrant(
            company_id=assessment.company_id,
            advisor_id=advisor.id,
            scope="comment",
            granted_by_id=owner.id,
        )
    )
    db.session.commit()
    outbox().clear()
    _login(page, live_server, advisor.email)
    assert page.locator("h1").inner_text() == "顧客企業"
    page.get_by_role("link", name="結果を見る").click()
    assert "診断結果" in page.locator("h1").inner_text()
    assert_axe_clean(page)
    page.locator("#comments textarea").fill("KQの根拠資料を拝見しました。")
    page.locator("#comments").get_by_role("button").click()
    assert_axe_clean(page)
    assert "コメントを投稿しました。" in page.locator("main").inner_text()
    assert [m["to"] for m in outbox()] == [owner.email]
    assert f"/assessments/{assessment.id}/results#comments" in outbox()[0]["body"]


def test_public_and_admin_pages_are_axe_clean(live_server, page, make_user):
    for path in ("/signup", "/password/forgot", "/help/glossary", "/help/team"):
        page.goto(live_server + path)
        assert page.locator("h1").count() == 1
        assert_axe_clean(page)
    admin = make_user(role="admin", email="admin-axe@example.jp")
    _login(page, live_server, admin.email)
    for path in ("/admin/versions", "/admin/security"):
        page.goto(live_server + path)
        assert_axe_clean(page)
    assert page.locator("h1").count() == 1
