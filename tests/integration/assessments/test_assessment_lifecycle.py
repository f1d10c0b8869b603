"""Year after year: pre-fill from last year, reopen with history, year-over-year scores."""

import re

from app.assessments import services
from app.models import Assessment, AssessmentRevision
from questionnaires import load_index
from tests.conftest import csrf_from
from tests.integration.helpers import fill_all_steps, submit

INDEX = load_index("2019-07")


def _submitted_year(db, company, owner, year, current, target):
    assessment = services.start_assessment(
        company, year, owner, prefill=False, index_version="2019-07"
    )
    services.confirm_profile(assessment)
    for step in INDEX.steps:
        values = {
            i: {"current": current, "target": target, "evidence": f"{year}年の根拠", "action": ""}
            for i in step.item_ids
        }
        assert services.save_step(assessment, step, values, 0, owner) is None
    assert services.submit(assessment, assessment.version, owner)
    return assessment


def test_new_year_starts_prefilled_from_last_submitted(client, db, make_user, make_company, login):
    owner = make_user()
    company = make_company(owner)
    last = _submitted_year(db, company, owner, 2025, 2, 4)
    login(owner.email)
    page = client.get(f"/companies/{company.id}")
    html = page.get_data(as_text=True)
    assert "2025年度に提出した回答を引き継いで始める" in html
    fy = int(re.search(r'name="fiscal_year" value="(\d{4})"', html).group(1))
    client.post(
        f"/companies/{company.id}/assessments",
        data={"csrf_token": csrf_from(page), "fiscal_year": str(fy), "prefill": "y"},
    )
    new = db.session.scalar(db.select(Assessment).where(Assessment.fiscal_year == fy))
    assert new.prefilled_from_id == last.id and new.status == "draft"
    step_html = client.get(f"/assessments/{new.id}/steps/{INDEX.steps[0].id}").get_data(
        as_text=True
    )
    assert 'name="item-1-current" value="2" checked' in step_html
    assert "2025年の根拠" in step_html
    # Pre-filled steps still count as not done until the user has saved them this year.
    assert client.get(f"/assessments/{new.id}").headers["Location"].endswith("/steps/profile")


def test_year_over_year_change_on_results(client, db, make_user, make_company, login):
    owner = make_user()
    company = make_company(owner)
    _submitted_year(db, company, owner, 2024, 1, 3)
    this = _submitted_year(db, company, owner, 2025, 2, 4)
    # The change is derived when shown (R10), never frozen into the stored card.
    assert this.scores["delta"] is None
    login(owner.email)
    html = client.get(f"/assessments/{this.id}/results").get_data(as_text=True)
    assert "前年度比 +1.00" in html and "前年度の現在値" in html


def test_reopen_keeps_the_submitted_version_in_history(client, db, make_user, make_company, login):
    owner = make_user()
    company = make_company(owner)
    login(owner.email)
    assessment = services.start_assessment(
        company, 2026, owner, prefill=False, index_version="2019-07"
    )
    fill_all_steps(client, assessment.id, INDEX, current=1, target=3)
    submit(client, assessment.id)
    results = client.get(f"/assessments/{assessment.id}/results")
    version = re.search(
        r'name="version" type="hidden" value="(\d+)"', results.get_data(as_text=True)
    ).group(1)
    response = client.post(
        f"/assessments/{assessment.id}/reopen",
        data={"csrf_token": csrf_from(results), "version": version},
    )
    assert response.status_code == 302
    db.session.expire_all()
    reopened = db.session.get(Assessment, assessment.id)
    assert reopened.status == "draft" and reopened.scores is None
    revision = db.session.scalar(db.select(AssessmentRevision))
    assert revision.number == 1 and revision.scores["overall"]["current_mean"] == 1.0
    assert len(revision.answers) == 35 and revision.answers[0]["current"] == 1
    review = client.get(f"/assessments/{assessment.id}/review").get_data(as_text=True)
    assert "提出履歴" in review and "第1版" in review
    # A second reopen with the stale version changes nothing.
    client.post(
        f"/assessments/{assessment.id}/reopen",
        data={"csrf_token": csrf_from(results), "version": version},
    )
    assert db.session.scalar(db.select(db.func.count(AssessmentRevision.id))) == 1


def test_viewer_reads_but_cannot_write(client, db, make_user, make_company, add_member, login):
    owner, viewer = make_user(), make_user(email="viewer@example.jp")
    company = make_company(owner)
    add_member(company, viewer, "viewer")
    assessment = services.start_assessment(
        company, 2026, owner, prefill=False, index_version="2019-07"
    )
    login(viewer.email)
    url = f"/assessments/{assessment.id}/steps/{INDEX.steps[0].id}"
    page = client.get(url)
    assert page.status_code == 200 and "この診断は閲覧のみです。" in page.get_data(as_text=True)
    from tests.integration.helpers import step_payload

    response = client.post(url, data=step_payload(INDEX.steps[0], 1, 1, page=page))
    assert response.status_code == 403
    assert client.get(f"/companies/{company.id}/edit").status_code == 403


def test_key_questions_are_marked_and_unverified_wording_flagged(client, owner_with_assessment):
    _, _, assessment = owner_with_assessment
    html = client.get(f"/assessments/{assessment.id}/steps/vision").get_data(as_text=True)
    assert html.count("キークエスチョン・経営者が回答") == 3  # items 1, 2, 3
    assert "公式の文言として扱わないでください" in html
    talent = client.get(f"/assessments/{assessment.id}/steps/talent").get_data(as_text=True)
    assert talent.count("公式文言の確認待ち") == 1  # item 6 only
