"""The history page's team section in a real browser (issue 17): the owner opens the spread by
item; the page passes axe and does not scroll sideways at 390 px."""

import os

import pytest

from app.assessments import services as questionnaire
from app.models import Membership
from app.team import services as team
from tests.browser.axe import assert_axe_clean
from tests.conftest import PASSWORD
from tests.integration.member_helpers import INDEX
from tests.integration.team.team_helpers import fill_answers, rate_all

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("SCREENSHOT_DIR")
ALL_STEPS = [s.id for s in INDEX.steps]
FIRST = INDEX.items[0].id


def _team_year(db, make_user, company, assessment, owner, levels, tag):
    team.start(assessment, owner)
    for n, (perspective, level) in enumerate(levels):
        user = make_user(email=f"{tag}{n}@example.jp")
        db.session.add(Membership(company_id=company.id, user_id=user.id, role="viewer"))
        db.session.commit()
        rate_all(
            assessment,
            team.add_participant(assessment, user.id, perspective, ALL_STEPS, owner),
            level,
        )
    fill_answers(assessment, owner)
    assert questionnaire.submit(assessment, assessment.version, owner)


def test_history_team_section(live_server, page, db, make_user, make_company):
    owner = make_user(email="owner@example.jp")
    company = make_company(owner)
    for year, first in ((2024, 5), (2025, 3)):
        assessment = questionnaire.start_assessment(
            company, year, owner, prefill=False, index_version="2019-07"
        )
        levels = [("executive", 1), ("it_dept", lambda i, f=first: f if i == FIRST else 2)]
        _team_year(db, make_user, company, assessment, owner, levels, f"y{year}-")

    page.goto(live_server + "/login")
    assert_axe_clean(page)
    page.get_by_label("メールアドレス").fill(owner.email)
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    assert_axe_clean(page)
    page.goto(f"{live_server}/companies/{company.id}/history")
    section = page.locator("section.team-history")
    section.get_by_text("項目ごとのばらつきを表示する").click()
    assert_axe_clean(page)
    assert section.locator("ul.team-persisted li").all_inner_texts() == [
        f"{FIRST} {INDEX.items[0].title}（4 → 2）"
    ]
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        if SHOTS:
            section.screenshot(path=os.path.join(SHOTS, f"team-history-{width}.png"))
