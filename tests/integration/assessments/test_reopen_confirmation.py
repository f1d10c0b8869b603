"""「再編集する」 (issue 11, item 3): a confirmation page first, and while the year is being
edited again its results, the dashboard and the progress page keep showing the last submitted
version, marked 再編集中."""

import pytest

from app.assessments import services
from app.models import Assessment, AssessmentRevision
from tests.integration.helpers import TINY, TINY_VERSION, step_payload
from tests.integration.kpi_helpers import this_fiscal_year

MARK = "再編集中：前回提出した内容を表示しています"


@pytest.fixture()
def submitted(db, tiny_index, make_user, make_company, login):
    """A year submitted with every item at current 1 / target 3 (means 1.00 / 3.00)."""
    owner = make_user(email="owner@example.jp")
    company = make_company(owner)
    assessment = services.start_assessment(
        company, this_fiscal_year(), owner, prefill=False, index_version=TINY_VERSION
    )
    services.confirm_profile(assessment)
    for step in TINY.steps:
        values = {
            i: {"current": 1, "target": 3, "evidence": "", "action": ""} for i in step.item_ids
        }
        assert services.save_step(assessment, step, values, 0, owner) is None
    assert services.submit(assessment, assessment.version, owner)
    login(owner.email)
    return owner, company, assessment


def _reopen(client_request, assessment):
    confirm = client_request.get("assessments.confirm_reopen", assessment_id=assessment.id)
    client_request.post(
        "assessments.reopen",
        _data={"version": confirm.field_value("version")},
        _from=confirm,
        assessment_id=assessment.id,
    )


def _edit_first_step(client_request, assessment, current, target):
    step = TINY.steps[0]
    args = {"assessment_id": assessment.id, "step_id": step.id}
    page = client_request.get("assessments.step", **args)
    client_request.post(
        "assessments.step", _data=step_payload(step, current, target, page=page), **args
    )


def _links(page, text):
    return [a for a in page.select("main a") if a.get_text(strip=True) == text]


def test_reopen_asks_for_confirmation_first(client_request, db, submitted):
    _, _, assessment = submitted
    results = client_request.get("assessments.results", assessment_id=assessment.id)
    [button] = [
        a for a in results.select("main a.button") if a.get_text(strip=True) == "再編集する"
    ]
    confirm_url = client_request.url("assessments.confirm_reopen", assessment_id=assessment.id)
    assert button["href"] == confirm_url
    assert results.select('form[action$="/reopen"]') == []  # no one-click reopen

    confirm = client_request.get_url(confirm_url)
    assert confirm.h1 == f"{assessment.fiscal_year}年度の診断を再編集しますか"
    assert "いま提出済みの内容は、提出履歴に「第1版」として残ります。" in confirm.texts("main li")
    [form] = confirm.select("main form")
    assert form["method"] == "post"
    assert form["action"] == client_request.url("assessments.reopen", assessment_id=assessment.id)
    assert confirm.field_value("version", within=form) == str(assessment.version)
    cancel = form.select_one("a.button")
    assert cancel["href"] == client_request.url("assessments.results", assessment_id=assessment.id)
    db.session.expire_all()
    assert db.session.get(Assessment, assessment.id).status == "submitted"  # GET changed nothing

    # Confirmed: back to draft, and the confirmation page now sends the user on to edit.
    client_request.post(
        "assessments.reopen",
        _data={"version": confirm.field_value("version")},
        _from=confirm,
        _expected_redirect=client_request.url("assessments.review", assessment_id=assessment.id),
        assessment_id=assessment.id,
    )
    db.session.expire_all()
    assert db.session.get(Assessment, assessment.id).status == "draft"
    again = client_request.get_url(confirm_url, _expected_status=302)
    assert again.location == client_request.url("assessments.resume", assessment_id=assessment.id)
    # The page's version is stale now: posting it again reopens nothing more.
    client_request.post(
        "assessments.reopen",
        _data={"version": confirm.field_value("version")},
        _from=confirm,
        assessment_id=assessment.id,
    )
    assert db.session.scalar(db.select(db.func.count(AssessmentRevision.id))) == 1


def test_viewer_cannot_open_the_confirmation(client_request, submitted):
    _, company, assessment = submitted
    viewer = client_request.new_session()
    viewer.login_as("viewer", company)
    results = viewer.get("assessments.results", assessment_id=assessment.id)
    assert _links(results, "再編集する") == []
    viewer.get("assessments.confirm_reopen", assessment_id=assessment.id, _expected_status=403)


def test_results_stay_visible_and_marked_while_edited_again(client_request, db, submitted):
    owner, company, assessment = submitted
    _reopen(client_request, assessment)
    _edit_first_step(client_request, assessment, 4, 5)  # a draft edit: not shown as results

    results = client_request.get("assessments.results", assessment_id=assessment.id)
    note = results.select_one(".reopened-note")
    assert note is not None and MARK in " ".join(note.get_text().split())
    assert "第1版" in note.get_text()
    assert results.texts(".score-tile .value")[:3] == ["1.00", "3.00", "2.00"]
    continue_link = note.find("a", string="再編集を続ける")
    assert continue_link["href"] == client_request.url(
        "assessments.resume", assessment_id=assessment.id
    )
    assert _links(results, "再編集する") == []

    dashboard = client_request.get("companies.dashboard", company_id=company.id)
    section = 'section:has(> h2:-soup-contains("DX推進指標 自己診断"))'
    header, row = dashboard.table(f"{section} table")
    assert header[:4] == ["年度", "状態", "現在値の平均", "目標値の平均"]
    assert row[:4] == [
        f"{assessment.fiscal_year}年度",
        "再編集中 前回提出（第1版）の内容を表示",
        "1.00",
        "3.00",
    ]
    links = {a.get_text(strip=True): a["href"] for a in dashboard.select(f"{section} td a")}
    assert links["前回提出の結果を見る"] == client_request.url(
        "assessments.results", assessment_id=assessment.id
    )
    assert "続きから回答" in links

    progress = client_request.get("progress.company", company_id=company.id)
    assert progress.texts(".reopened-note strong") == [MARK]
    history = 'section:has(> h2:-soup-contains("定性指標の年度推移"))'
    header, row = progress.table(f"{history} table")
    assert header[-1] == "状態"
    assert row[0] == f"{assessment.fiscal_year}年度" and row[1] == "1.00 / 3.00"
    assert row[-1] == "再編集中 第1版を表示"
    summary = progress.select_one("details.qual-set summary")
    assert summary.select_one(".badge").get_text(strip=True) == "再編集中・第1版"
    targets = progress.table("details.qual-set table")
    assert [r[1:3] for r in targets[1:]] == [["1", "3"]] * len(TINY.items)

    # Resubmitted: the new answers are the results, and nothing is marked any more.
    db.session.expire_all()
    draft = db.session.get(Assessment, assessment.id)
    assert services.submit(draft, draft.version, owner)
    results = client_request.get("assessments.results", assessment_id=assessment.id)
    assert results.select(".reopened-note") == []
    assert results.texts(".score-tile .value")[0] == "3.00"  # (4 + 4 + 1) / 3
    progress = client_request.get("progress.company", company_id=company.id)
    assert progress.select(".reopened-note") == []


def test_a_draft_never_submitted_has_no_results(client_request, submitted):
    owner, company, _ = submitted
    draft = services.start_assessment(
        company, this_fiscal_year() + 1, owner, prefill=False, index_version=TINY_VERSION
    )
    page = client_request.get("assessments.results", assessment_id=draft.id, _follow_redirects=True)
    assert page.h1 == "回答の確認と提出"
    assert page.flashes("info") == ["診断結果は提出後に表示されます。"]
