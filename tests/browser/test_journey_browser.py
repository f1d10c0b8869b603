"""The company journey in a real browser: sign up, profile, every step, save and exit,
log back in, resume, review, submit, see the scores."""

import os
import re

import pytest

from questionnaires import load_index
from tests.browser.axe import assert_axe_clean
from tests.integration.signup_helpers import confirm_link

pytestmark = pytest.mark.browser
INDEX = load_index("2019-07")
PASSWORD = "a long passphrase for the browser"
SHOTS = os.environ.get("SCREENSHOT_DIR")


def _shot(page, name):
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def _answer_step(page, step, current, target):
    for item_id in step.item_ids:
        page.locator(f"input[name='item-{item_id}-current'][value='{current}']").check()
        page.locator(f"input[name='item-{item_id}-target'][value='{target}']").check()


def test_company_journey_in_chromium(live_server, page):
    page.goto(live_server + "/signup")
    assert_axe_clean(page)
    page.get_by_label("お名前").fill("山田 太郎")
    page.get_by_label("メールアドレス").fill("browser@example.jp")
    page.get_by_label("パスワード（12文字以上）").fill(PASSWORD)
    page.get_by_label("パスワード（確認）").fill(PASSWORD)
    page.get_by_role("button", name="登録する").click()
    assert "メールをご確認ください" in page.content()
    assert_axe_clean(page)
    page.goto(live_server + confirm_link("browser@example.jp"))
    assert_axe_clean(page)
    page.get_by_role("button", name="登録を完了する").click()
    assert_axe_clean(page)

    page.get_by_label("会社名（屋号）").fill("ブラウザ商事株式会社")
    page.get_by_label("法人番号（13桁）").fill("7123456789012")
    page.get_by_label("本社所在地（都道府県）").select_option("27")
    page.get_by_label("業種（日本標準産業分類 大分類）").select_option("I")
    page.get_by_label("中小企業基本法上の業種区分").select_option("wholesale")
    page.get_by_label("常時使用する従業員数（人）").fill("８０")  # full-width digits are fine
    page.get_by_role("button", name="保存する").click()
    assert "近畿経済産業局" in page.content()
    assert_axe_clean(page)

    page.get_by_role("button", name=re.compile("年度の診断を始める")).click()
    assert_axe_clean(page)
    page.get_by_role("button", name="この内容で次へ").click()

    # First step: answer every item and note some evidence.
    first = INDEX.steps[0]
    assert_axe_clean(page)
    _answer_step(page, first, 2, 4)
    page.get_by_label("根拠・エビデンス（任意）").first.fill("取締役会の議事録")
    _shot(page, "step")
    page.get_by_role("button", name="保存して次へ").click()
    second = INDEX.steps[1]
    assert page.locator("h1").inner_text() == second.title
    assert_axe_clean(page)
    _answer_step(page, second, 1, 3)
    page.get_by_role("button", name="保存して中断").click()
    assert "保存しました" in page.content()
    assert_axe_clean(page)

    page.get_by_role("button", name="ログアウト").click()
    assert_axe_clean(page)
    page.goto(live_server + "/login")
    assert_axe_clean(page)
    page.get_by_label("メールアドレス").fill("browser@example.jp")
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    assert_axe_clean(page)
    page.get_by_role("link", name="続きから回答").click()
    assert page.locator("h1").inner_text() == INDEX.steps[2].title  # first incomplete step

    for step in INDEX.steps[2:]:
        assert page.locator("h1").inner_text() == step.title
        assert_axe_clean(page)
        _answer_step(page, step, 3, 4)
        page.get_by_role("button", name="保存して次へ").click()

    # The 定量指標 step comes next; without indicators it is optional and leads on.
    assert page.locator("h1").inner_text().startswith("定量指標")
    assert_axe_clean(page)
    page.get_by_role("link", name="確認・提出へ進む").click()
    assert page.locator("h1").inner_text() == "回答の確認と提出"
    assert "取締役会の議事録" in page.content()
    assert_axe_clean(page)
    _shot(page, "review")
    page.get_by_role("button", name="提出する").click()

    assert "診断結果" in page.locator("h1").inner_text()
    # 3 items at 2, 5 at 1, 27 at 3 → 92 / 35 = 2.63
    assert page.locator(".score-tile .value").first.inner_text() == "2.63"
    assert page.locator("svg polygon.series-current").count() == 1
    assert_axe_clean(page)
    _shot(page, "results")
