"""Excel out and back in, in a real browser: download the workbook from the company's data
page, change it as a person would, upload it, read the preview, apply, land on the review."""

import io
import os

import pytest
from openpyxl import load_workbook

from app.exchange import workbook as wbk
from app.extensions import db
from app.models import Answer
from tests.browser.axe import assert_axe_clean
from tests.integration.kpi_helpers import this_fiscal_year
from tests.integration.member_helpers import INDEX, draft_assessment

pytestmark = pytest.mark.browser
PASSWORD = "correct horse battery staple"
SHOTS = os.environ.get("SCREENSHOT_DIR")


def _shot(page, name):
    if SHOTS:
        for width in (1280, 390):
            page.set_viewport_size({"width": width, "height": 900})
            page.screenshot(path=os.path.join(SHOTS, f"{name}-{width}.png"), full_page=True)
        page.set_viewport_size({"width": 1280, "height": 900})


def test_excel_round_trip_in_chromium(live_server, page, make_user, make_company, tmp_path):
    owner = make_user(email="excel@example.jp")
    company = make_company(owner, name="エクセル工業株式会社")
    draft = draft_assessment(company, owner, year=this_fiscal_year())
    draft_id = draft.id
    db.session.add(
        Answer(assessment_id=draft_id, item_id="1", current_level=1, target_level=3, evidence="旧")
    )
    db.session.commit()

    page.goto(live_server + "/login")
    assert_axe_clean(page)
    page.get_by_label("メールアドレス").fill(owner.email)
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    assert_axe_clean(page)
    page.get_by_role("link", name="データの出力・読み込み").click()
    assert page.locator("h1").inner_text() == "データの出力・読み込み"
    assert_axe_clean(page)
    _shot(page, "exchange")

    with page.expect_download() as info:
        page.get_by_role("link", name=f"{this_fiscal_year()}年度のExcel（.xlsx）").click()
    path = tmp_path / "book.xlsx"
    info.value.save_as(path)

    wb = load_workbook(path)
    ws = wb[wbk.SHEET_ITEMS]
    ws.cell(row=2, column=6).value = 3  # item 1: current 1 -> 3
    ws.cell(row=2, column=8).value = "取締役会議事録（2025年6月）\n経営計画書 p.12"
    ws.cell(row=3, column=6).value = 2  # item 2: newly answered
    ws.cell(row=3, column=7).value = 4
    out = io.BytesIO()
    wb.save(out)
    path.write_bytes(out.getvalue())

    page.get_by_label("Excelのブック（.xlsx）").set_input_files(str(path))
    page.get_by_role("button", name="読み込んでプレビュー").click()
    assert page.locator("h1").inner_text() == "読み込みのプレビュー"
    rows = page.locator("#changes tbody tr")
    assert rows.count() == 4
    assert_axe_clean(page)
    _shot(page, "import-preview")

    page.get_by_role("button", name="反映する").click()
    assert "反映しました" in page.locator(".flash").inner_text()
    assert_axe_clean(page)
    db.session.expire_all()
    stored = {
        a.item_id: a
        for a in db.session.scalars(db.select(Answer).where(Answer.assessment_id == draft_id))
    }
    assert (stored["1"].current_level, stored["2"].target_level) == (3, 4)
    assert stored["1"].evidence == "取締役会議事録（2025年6月）\n経営計画書 p.12"
    assert len(stored) == len(INDEX.item_ids)
