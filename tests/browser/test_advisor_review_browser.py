"""The advisor's review in a real browser (issue 12): the owner grants access, the advisor
rates and comments on three items, the owner replies and resolves one point, and the advisor
opens the client's meeting report and prints it (Chromium's own print to PDF, A4, print CSS:
no navigation or forms on paper)."""

import os

import pytest

from app.models import ItemRating, ReviewComment
from tests.browser.axe import assert_axe_clean
from tests.conftest import PASSWORD
from tests.integration.member_helpers import INDEX, submitted_assessment

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("SCREENSHOT_DIR")
ITEMS = [item.id for item in INDEX.items[:3]]


def _shot(page, name, width=1280):
    if SHOTS:
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=os.path.join(SHOTS, f"{name}-{width}.png"), full_page=True)
        page.set_viewport_size({"width": 1280, "height": 900})


def _login(page, base, email):
    page.goto(base + "/login")
    assert_axe_clean(page)
    page.get_by_label("メールアドレス").fill(email)
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    assert_axe_clean(page)


def test_grant_review_reply_resolve_and_print(live_server, page, db, make_user, make_company):
    owner = make_user(email="owner@example.jp", display_name="山田 太郎")
    company = make_company(owner, name="面談準備株式会社")
    done = submitted_assessment(company, owner, year=2025, level=1)
    advisor = make_user(
        role="advisor", email="adv@example.jp", display_name="支援 花子", organisation="商工会"
    )

    # The owner grants read + comment access.
    _login(page, live_server, owner.email)
    page.goto(f"{live_server}/companies/{company.id}/advisors")
    assert_axe_clean(page)
    page.get_by_label("支援者のメールアドレス").fill(advisor.email)
    page.get_by_label("権限の範囲").select_option("comment")
    page.get_by_role("button", name="アクセスを許可する").click()
    assert_axe_clean(page)
    assert "「閲覧とコメント」の権限を付与しました" in page.content()
    page.get_by_role("button", name="ログアウト").click()
    assert_axe_clean(page)

    # The advisor finds the client, opens its results and reviews three items.
    _login(page, live_server, advisor.email)
    assert page.url.endswith("/advisor/clients")
    _shot(page, "advisor-clients")
    _shot(page, "advisor-clients", 390)
    page.get_by_role("link", name="結果を見る").click()
    assert_axe_clean(page)
    for n, item_id in enumerate(ITEMS):
        page.goto(f"{live_server}/assessments/{done.id}/items/{item_id}")
        assert_axe_clean(page)
        page.get_by_label("支援者から見た現在の成熟度").select_option(str(3 + n % 2))
        page.get_by_label("根拠・エビデンスを確認した").check()
        page.get_by_role("button", name="評価を保存する").click()
        assert_axe_clean(page)
        assert "評価を保存しました" in page.content()
        page.locator("form.point-form textarea").fill(f"項目{item_id}の根拠資料を共有してください")
        page.get_by_role("button", name="指摘を投稿する").click()
        assert_axe_clean(page)
        assert "指摘を投稿しました" in page.content()
    _shot(page, "advisor-item")
    _shot(page, "advisor-item", 390)
    page.get_by_role("button", name="ログアウト").click()
    assert_axe_clean(page)

    # The owner sees the ratings beside the answers, replies to one point and resolves it.
    _login(page, live_server, owner.email)
    page.goto(f"{live_server}/assessments/{done.id}/results")
    assert_axe_clean(page)
    marked = page.locator("tr.differs-row")
    assert marked.count() == 3  # self 1, advisor 3 or 4
    _shot(page, "owner-results-with-review")
    marked.first.get_by_role("link", name="指摘 1件（未解決 1）").click()
    page.locator("form.reply-form textarea").fill("会議資料を来週共有します")
    page.get_by_role("button", name="返信する").click()
    assert_axe_clean(page)
    assert "返信を投稿しました" in page.content()
    page.get_by_role("button", name="解決済みにする").click()
    assert_axe_clean(page)
    assert "指摘を解決済みにしました" in page.content()
    page.get_by_role("button", name="ログアウト").click()
    assert_axe_clean(page)

    # The advisor looks at the portfolio, then opens the meeting report and prints it.
    _login(page, live_server, advisor.email)
    page.get_by_role("link", name="ポートフォリオの分析を見る").click()
    assert_axe_clean(page)
    assert page.locator("h1").inner_text() == "ポートフォリオの分析"
    assert page.locator("table.weakest tbody tr").count() == 10
    _shot(page, "advisor-portfolio")
    _shot(page, "advisor-portfolio", 390)
    page.get_by_role("link", name="顧客企業").first.click()
    assert_axe_clean(page)
    page.get_by_role("link", name="面談レポート").click()
    assert_axe_clean(page)
    assert page.locator("h1").inner_text() == "面談レポート 面談準備株式会社"
    review = page.locator("table.report-review").inner_text()
    assert "会議資料を来週共有します" in review and "解決済み" in review and "未解決" in review
    _shot(page, "advisor-report")
    _shot(page, "advisor-report", 390)
    page.emulate_media(media="print")
    assert page.locator("header.site-header").is_hidden()
    assert page.locator("table.report-review").is_visible()
    pdf = page.pdf(format="A4", print_background=True)
    assert pdf.startswith(b"%PDF") and len(pdf) > 10_000
    if SHOTS:
        with open(os.path.join(SHOTS, "advisor-report.pdf"), "wb") as out:
            out.write(pdf)

    db.session.expire_all()
    assert db.session.scalar(db.select(db.func.count(ItemRating.id))) == 3
    points = db.session.scalars(db.select(ReviewComment).where(ReviewComment.parent_id.is_(None)))
    assert sorted(p.resolved_at is not None for p in points) == [False, False, True]
