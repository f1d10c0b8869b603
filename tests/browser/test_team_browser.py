"""Assessing as a team in a real browser (issue 17): the owner starts team mode and asks three
members with different perspectives to rate the first step; each rates and submits their own
view; the owner reads the divergence view, sets the consensus (quoting one note into the
evidence), submits, and the results page shows exactly the consensus levels."""

import os

import pytest

from app.assessments import services as questionnaire
from app.models import Membership
from tests.browser.axe import assert_axe_clean
from tests.conftest import PASSWORD
from tests.integration.member_helpers import INDEX

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("SCREENSHOT_DIR")
FIRST = INDEX.steps[0]
PEOPLE = (
    ("exec@example.jp", "経営 一郎", "経営幹部", 1),
    ("it@example.jp", "情報 二郎", "IT部門", 4),
    ("dx@example.jp", "変革 三子", "DX部門", 2),
)


def consensus_level(n: int) -> int:
    return n % 4 + 1  # every level 1-4 occurs, targets stay above


def _shot(page, name):
    if SHOTS:
        for width in (1280, 390):
            page.set_viewport_size({"width": width, "height": 900})
            page.screenshot(path=os.path.join(SHOTS, f"team-{name}-{width}.png"), full_page=True)
        page.set_viewport_size({"width": 1280, "height": 900})


def _login(page, base, email):
    page.goto(base + "/login")
    assert_axe_clean(page)
    page.get_by_label("メールアドレス").fill(email)
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    assert_axe_clean(page)


def _logout(page):
    page.get_by_role("button", name="ログアウト").click()
    assert_axe_clean(page)


def _table(page, selector):
    cells = "r => [...r.cells].map(c => c.innerText.replace(/\\s+/g, ' ').trim())"
    return page.locator(selector).evaluate(f"t => [...t.rows].map({cells})")


def test_team_views_divergence_consensus_and_results(
    live_server, page, db, make_user, make_company
):
    owner = make_user(email="owner@example.jp", display_name="山田 太郎")
    company = make_company(owner, name="チーム評価株式会社")
    for email, name, _perspective, _level in PEOPLE:
        user = make_user(email=email, display_name=name)
        db.session.add(Membership(company_id=company.id, user_id=user.id, role="viewer"))
    db.session.commit()
    draft = questionnaire.start_assessment(
        company, 2026, owner, prefill=False, index_version="2019-07"
    )
    questionnaire.confirm_profile(draft)
    base = f"{live_server}/assessments/{draft.id}"

    # The owner starts team mode and adds the three members, first step only.
    _login(page, live_server, owner.email)
    page.goto(f"{base}/team")
    assert_axe_clean(page)
    page.get_by_role("button", name="チームでの評価を始める").click()
    assert_axe_clean(page)
    for email, name, perspective, _level in PEOPLE:
        add_form = page.locator("#team-add")
        add_form.get_by_label("メンバー").select_option(label=f"{name}（{email}）")
        add_form.get_by_label("立場").select_option(label=perspective)
        for step in INDEX.steps[1:]:
            add_form.get_by_label(step.title, exact=True).uncheck()
        add_form.get_by_role("button", name="追加する").click()
        assert_axe_clean(page)
        assert "参加者を追加しました" in page.content()
    page.get_by_role("button", name="未提出の参加者にリマインドを送る").click()
    assert_axe_clean(page)
    assert "3人にメールを送りました" in page.content()
    _shot(page, "manage")
    _logout(page)

    # Each participant rates the first step from their perspective and submits.
    for email, _name, perspective, level in PEOPLE:
        _login(page, live_server, email)
        page.goto(f"{base}/team/mine")
        assert_axe_clean(page)
        page.get_by_role("link", name=FIRST.title).click()
        assert_axe_clean(page)
        for item_id in FIRST.item_ids:
            page.locator(f"input[name='item-{item_id}-current'][value='{level}']").check()
            page.locator(f"input[name='item-{item_id}-target'][value='5']").check()
        page.get_by_label("メモ（任意）").first.fill(f"{perspective}から見た根拠")
        if level == 4:
            _shot(page, "mine-step")
        page.get_by_role("button", name="保存して次へ").click()
        assert_axe_clean(page)
        page.get_by_role("button", name="自分の評価を提出する").click()
        assert_axe_clean(page)
        assert page.locator("h1").inner_text().startswith("評価の違い")
        _logout(page)

    # The owner reads the divergence view: spread 4 - 1 = 3 on each rated item.
    _login(page, live_server, owner.email)
    page.goto(f"{base}/team/divergence")
    assert_axe_clean(page)
    heat = _table(page, "#heat-map")
    assert heat[0] == ["項目", "ばらつき", "経営幹部", "DX部門", "IT部門"]
    assert [row[1] for row in heat[1:]] == ["3"] * len(FIRST.item_ids)
    assert heat[1][2:] == ["経営幹部 平均 1.00", "DX部門 平均 2.00", "IT部門 平均 4.00"]
    _shot(page, "divergence")

    # The consensus: every step, quoting the IT department's note into the first evidence.
    page.get_by_role("link", name="合意した回答を決める").click()
    levels = {item.id: consensus_level(n) for n, item in enumerate(INDEX.items)}
    for step in INDEX.steps:
        assert page.locator("h1").inner_text() == f"合意した回答: {step.title}"
        assert_axe_clean(page)
        for item_id in step.item_ids:
            current = levels[item_id]
            page.locator(f"input[name='item-{item_id}-current'][value='{current}']").check()
            page.locator(f"input[name='item-{item_id}-target'][value='5']").check()
        if step is FIRST:
            page.get_by_label("根拠に引用（情報 二郎）").first.check()
            _shot(page, "consensus")
        page.get_by_role("button", name="保存して次へ").click()
    assert page.locator("h1").inner_text() == "回答の確認と提出"
    assert_axe_clean(page)
    assert "［IT部門・情報 二郎］IT部門から見た根拠" in page.content()
    page.get_by_role("button", name="提出する").click()
    assert "診断結果" in page.locator("h1").inner_text()
    assert_axe_clean(page)

    # The results page's item levels are the consensus answers, not any participant's.
    items = _table(page, "section.panel:has(h2:text-is('項目別')) table")
    shown = [(row[1], row[2]) for row in items[1:]]
    assert shown == [(str(levels[item.id]), "5") for item in INDEX.items]
