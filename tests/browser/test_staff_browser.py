"""Staff pages in a real browser (no CSP or script errors): a bureau user turns on two-factor
authentication, logs in with a code and reads the report; an admin creates an account."""

import os
import re
import time

import pyotp
import pytest

from app.assessments import services
from app.reports.releases import create_release
from questionnaires import DEFAULT_VERSION, load_index
from tests.browser.axe import assert_axe_clean
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser
INDEX = load_index(DEFAULT_VERSION)
SHOTS = os.environ.get("SCREENSHOT_DIR")


def _shot(page, name):
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def _submitted_companies(make_user, make_company, levels, release=True):
    owner = make_user(email="owner@example.jp")
    for n, level in enumerate(levels):
        company = make_company(owner, name=f"会社{n}", prefecture="13" if n % 2 else "22")
        assessment = services.start_assessment(
            company, 2025, owner, prefill=False, index_version=DEFAULT_VERSION
        )
        services.confirm_profile(assessment)
        for step in INDEX.steps:
            values = {
                i: {"current": level, "target": 5, "evidence": "", "action": ""}
                for i in step.item_ids
            }
            services.save_step(assessment, step, values, 0, owner)
        services.submit(assessment, assessment.version, owner)
    if release:
        create_release(2025, DEFAULT_VERSION)  # bureau pages show released figures only


def _login(page, base, email, password=PASSWORD):
    page.goto(base + "/login")
    assert_axe_clean(page)
    page.get_by_label("メールアドレス").fill(email)
    page.get_by_label("パスワード").fill(password)
    page.get_by_role("button", name="ログイン").click()
    assert_axe_clean(page)


def test_bureau_two_factor_and_report(live_server, page, make_user, make_company):
    _submitted_companies(make_user, make_company, [1, 2, 3, 4, 5, 3])
    user = make_user(role="bureau", email="kanto@meti.example", bureau_code="kanto")
    _login(page, live_server, user.email)
    page.get_by_role("link", name="アカウント").click()
    assert_axe_clean(page)
    page.get_by_role("link", name="2段階認証の設定").click()
    assert_axe_clean(page)
    _shot(page, "staff-2fa-setup")
    secret = page.locator(".totp-secret code").inner_text().replace(" ", "")
    page.get_by_label("現在のパスワード").fill(PASSWORD)
    page.get_by_label("確認コード（6桁）").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="有効にする").click()
    assert "2段階認証を有効にしました" in page.content()
    assert page.locator(".recovery-codes li").count() == 10  # shown this once
    assert_axe_clean(page)
    _shot(page, "staff-2fa-recovery-codes")

    page.get_by_role("button", name="ログアウト").click()
    _login(page, live_server, user.email)
    assert page.url.endswith("/login/2fa")
    assert_axe_clean(page)
    _shot(page, "staff-2fa-login")
    step = int(time.time() // 30) + 1  # the next step: the setup code cannot be replayed
    page.get_by_label("確認コード（6桁）").fill(pyotp.TOTP(secret).generate_otp(step))
    page.get_by_role("button", name="ログイン").click()
    assert page.url.endswith("/bureau/reports")
    assert page.locator("h1").inner_text() == "集計レポート（関東経済産業局）"
    assert page.locator(".score-tile .value").first.inner_text() == "6"
    assert_axe_clean(page)
    _shot(page, "staff-bureau-report")
    assert "会社0" not in page.content()


def test_admin_creates_a_bureau_account(live_server, page, make_user):
    admin = make_user(role="admin", email="admin@example.jp")
    _login(page, live_server, admin.email)
    assert page.url.endswith("/admin/")
    page.get_by_role("link", name="ユーザーを作成").click()
    assert_axe_clean(page)
    page.get_by_label("メールアドレス").fill("tohoku@meti.example")
    page.get_by_label("お名前").fill("東北 職員")
    page.get_by_label("種別").select_option("bureau")
    page.get_by_label("管轄（経済産業局の職員のみ）").select_option("tohoku")
    page.get_by_role("button", name="作成してリンクを送る").click()
    assert re.search(r"/admin/users/\d+$", page.url)
    assert "パスワード設定用のリンクを送信しました" in page.content()
    assert_axe_clean(page)
    _shot(page, "staff-admin-user")
    page.get_by_role("link", name="ユーザー", exact=True).click()
    assert_axe_clean(page)
    _shot(page, "staff-admin-list")
    assert "tohoku@meti.example" in page.content()


def test_admin_publishes_a_release_and_the_national_account_reads_it(
    live_server, page, make_user, make_company
):
    _submitted_companies(make_user, make_company, [1, 2, 3, 4, 5, 3], release=False)
    admin = make_user(role="admin", email="admin@example.jp")
    _login(page, live_server, admin.email)
    page.get_by_role("link", name="集計の公表").click()
    assert_axe_clean(page)
    page.get_by_label("年度").fill("2025")
    page.get_by_role("button", name="公表する").click()
    assert page.url.endswith("/admin/releases")
    assert "2025年度（指標 2019-07）の集計を公表しました" in page.locator(".flash").inner_text()
    assert page.locator("table.releases tbody tr").count() == 1
    assert_axe_clean(page)
    _shot(page, "staff-admin-releases")
    page.get_by_role("button", name="ログアウト").click()

    national = make_user(role="bureau", email="honsho@meti.example", bureau_code="national")
    _login(page, live_server, national.email)
    assert page.url.endswith("/bureau/reports")
    assert page.locator("h1").inner_text() == "集計レポート（全国）"
    assert page.locator(".score-tile .value").first.inner_text() == "6"
    assert "管轄内" not in page.locator("main p.muted").first.inner_text()
    chart = page.locator("svg[aria-labelledby='bureau-title bureau-desc']")
    assert chart.count() == 1
    assert_axe_clean(page)
    _shot(page, "staff-national-report")


def test_benchmark_caption_is_on_screen_at_phone_width_in_english(
    live_server, page, make_user, make_company
):
    """The benchmarks table is wider than a phone and scrolls sideways; its caption (the longer
    English one) is wrapped within the screen, not cut off at its right edge."""
    _submitted_companies(make_user, make_company, [1, 2, 3, 4, 5, 3, 2, 4, 1, 5, 2, 3, 4])
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server + "/login?lang=en")
    assert_axe_clean(page)
    page.get_by_label("Email address").fill("owner@example.jp")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda u: "/login" not in u)
    assert_axe_clean(page)
    page.get_by_role("link", name="会社0").first.click()
    assert_axe_clean(page)
    page.locator("a[href$='/results']").first.click()
    caption = page.locator("#benchmarks-caption")
    assert caption.inner_text() == "Median of the compared companies and your position"
    scroller = page.locator("section.benchmarks .table-scroll")
    table = page.locator("section.benchmarks table")
    assert table.bounding_box()["width"] > scroller.bounding_box()["width"]  # it does scroll
    box, frame = caption.bounding_box(), scroller.bounding_box()
    assert box["x"] >= frame["x"] and box["x"] + box["width"] <= frame["x"] + frame["width"]
    assert_axe_clean(page)
    _shot(page, "phone-benchmarks-en")
