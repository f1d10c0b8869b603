"""Year after year: pre-fill from last year, reopen with history, year-over-year scores.

The mechanism runs on the 3-item, 2-step test index (tests/fixtures/questionnaires); only the
last test, about how the 35 real items are labelled, uses the 2019 index."""

from app.assessments import services
from app.models import Assessment, AssessmentRevision
from tests.integration.helpers import TINY, TINY_VERSION, fill_all_steps, step_payload, submit

INDEX = TINY


def _submitted_year(db, company, owner, year, current, target):
    assessment = services.start_assessment(
        company, year, owner, prefill=False, index_version=TINY_VERSION
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


def test_new_year_starts_prefilled_from_last_submitted(
    client_request, db, tiny_index, make_user, make_company, login, app, monkeypatch
):
    owner = make_user()
    company = make_company(owner)
    last = _submitted_year(db, company, owner, 2025, 2, 4)
    login(owner.email)
    dashboard = client_request.get("companies.dashboard", company_id=company.id)
    prefill = dashboard.field("prefill")
    assert prefill.has_attr("checked") and prefill.get("value") == "y"
    assert " ".join(prefill.parent.get_text().split()) == "2025年度に提出した回答を引き継いで始める"
    fy = int(dashboard.field_value("fiscal_year"))
    # A new assessment uses the configured version; prefill needs last year's to match.
    monkeypatch.setitem(app.config, "INDEX_VERSION", TINY_VERSION)
    client_request.post(
        "assessments.start",
        _data={"fiscal_year": str(fy), "prefill": "y"},
        _from=dashboard,
        company_id=company.id,
    )
    new = db.session.scalar(db.select(Assessment).where(Assessment.fiscal_year == fy))
    assert new.prefilled_from_id == last.id and new.status == "draft"
    for step in INDEX.steps:
        page = client_request.get("assessments.step", assessment_id=new.id, step_id=step.id)
        for item_id in step.item_ids:
            assert page.field_value(f"item-{item_id}-current") == "2"
            assert page.field_value(f"item-{item_id}-target") == "4"
            assert page.field_value(f"item-{item_id}-evidence") == "2025年の根拠"
    # Pre-filled steps still count as not done until the user has saved them this year.
    resume = client_request.get("assessments.resume", assessment_id=new.id, _expected_status=302)
    assert resume.location.endswith("/steps/profile")


def test_year_over_year_change_on_results(
    client_request, db, tiny_index, make_user, make_company, login
):
    owner = make_user()
    company = make_company(owner)
    _submitted_year(db, company, owner, 2024, 1, 3)
    this = _submitted_year(db, company, owner, 2025, 2, 4)
    # The change is derived when shown (R10), never frozen into the stored card.
    assert this.scores["delta"] is None
    login(owner.email)
    page = client_request.get("assessments.results", assessment_id=this.id)
    assert page.texts(".score-tile .change")[0] == "前年度比 +1.00"
    header, overall, *_ = page.table('section:has(> h2:-soup-contains("全体・枠組み別")) table')
    assert header[5:7] == ["前年度の現在値", "前年度比"]
    assert overall[5:7] == ["1.00", "+1.00"]
    assert "2024年度の現在値" in page.texts("figcaption.legend .key")


def test_reopen_keeps_the_submitted_version_in_history(
    client, client_request, db, tiny_index, make_user, make_company, login
):
    owner = make_user()
    company = make_company(owner)
    login(owner.email)
    assessment = services.start_assessment(
        company, 2026, owner, prefill=False, index_version=TINY_VERSION
    )
    fill_all_steps(client, assessment.id, INDEX, current=1, target=3)
    submit(client, assessment.id)
    confirm = client_request.get("assessments.confirm_reopen", assessment_id=assessment.id)
    reopen = {"version": confirm.field_value("version")}
    client_request.post(
        "assessments.reopen", _data=reopen, _from=confirm, assessment_id=assessment.id
    )
    db.session.expire_all()
    reopened = db.session.get(Assessment, assessment.id)
    assert reopened.status == "draft" and reopened.scores is None
    revision = db.session.scalar(db.select(AssessmentRevision))
    assert revision.number == 1 and revision.scores["overall"]["current_mean"] == 1.0
    assert [a["item_id"] for a in revision.answers] == list(INDEX.item_ids)  # every item kept
    assert {a["current"] for a in revision.answers} == {1}
    review = client_request.get("assessments.review", assessment_id=assessment.id)
    history = review.table('section:has(> h2:-soup-contains("提出履歴")) table')
    assert history[0][0] == "版" and len(history) == 2
    assert history[1][0] == "第1版" and history[1][3:] == ["1.00", "3.00"]
    # A second reopen with the stale version changes nothing.
    client_request.post(
        "assessments.reopen",
        _data=reopen,
        _from=confirm,
        _expected_status=None,
        assessment_id=assessment.id,
    )
    assert db.session.scalar(db.select(db.func.count(AssessmentRevision.id))) == 1


def test_viewer_reads_but_cannot_write(
    client_request, db, tiny_index, make_user, make_company, add_member, login
):
    owner, viewer = make_user(), make_user(email="viewer@example.jp")
    company = make_company(owner)
    add_member(company, viewer, "viewer")
    assessment = services.start_assessment(
        company, 2026, owner, prefill=False, index_version=TINY_VERSION
    )
    login(viewer.email)
    step = {"assessment_id": assessment.id, "step_id": INDEX.steps[0].id}
    page = client_request.get("assessments.step", **step)
    assert page.flashes("info") == ["この診断は閲覧のみです。"]
    assert all(t.has_attr("disabled") for t in page.select("form.step-form textarea"))
    client_request.post(
        "assessments.step",
        _data=step_payload(INDEX.steps[0], 1, 1, page=page),
        _expected_status=403,
        **step,
    )
    client_request.get("companies.edit", company_id=company.id, _expected_status=403)


def test_key_questions_are_marked_and_unverified_wording_flagged(
    client_request, owner_with_assessment
):
    """About the 35 real items: which are key questions, which wording awaits verification."""
    _, _, assessment = owner_with_assessment
    vision = client_request.get("assessments.step", assessment_id=assessment.id, step_id="vision")
    kq_cards = vision.select(".item-card.kq")
    assert [card["id"] for card in kq_cards] == ["item-1", "item-2", "item-3"]
    badges = vision.texts(".badge-kq")
    assert badges == ["キークエスチョン・経営者が回答"] * 3
    assert all(card.select_one(".badge-kq") for card in kq_cards)
    assert "公式の文言として扱わないでください" in vision.text("#item-3 .question.unverified small")
    talent = client_request.get("assessments.step", assessment_id=assessment.id, step_id="talent")
    flagged = talent.select(".question.unverified")
    assert len(flagged) == 1  # item 6 only
    assert flagged[0].find_parent("details", class_="item-card")["id"] == "item-6"
    assert talent.texts(".badge-warn") == ["公式文言の確認待ち"]
