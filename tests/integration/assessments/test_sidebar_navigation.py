"""Issue 11, journey item 1: moving between steps through the sidebar saves the step first.

On an editable step page the sidebar's other steps are submit buttons of the step form
(name="nav", value="goto:<page id>"), so the draft goes through services.save_step (version
check, conflicts) and then the target page opens; they work without JavaScript. Runs on the
3-item, 2-step test index."""

from app.assessments import services
from tests.integration.helpers import step_payload

INPUT_ERRORS = "入力内容にエラーがあります。各項目のメッセージを確認してください。"


def _step_page(client_request, assessment, step_id, **kw):
    return client_request.get(
        "assessments.step", assessment_id=assessment.id, step_id=step_id, **kw
    )


def _sidebar_buttons(page) -> dict[str, str]:
    """{nav value: label} of the sidebar's save-and-go buttons."""
    return {
        b["value"]: b.get_text(strip=True) for b in page.select(".progress-panel button[name=nav]")
    }


def test_sidebar_steps_are_buttons_of_the_step_form(client_request, owner_with_tiny_assessment):
    _, _, assessment = owner_with_tiny_assessment
    page = _step_page(client_request, assessment, "first")
    form = page.select_one("form#step-form")
    assert form is not None and form.has_attr("data-unsaved-warning")
    buttons = page.select(".progress-panel button[name=nav]")
    assert {b["form"] for b in buttons} == {"step-form"}
    assert {b["type"] for b in buttons} == {"submit"}
    assert _sidebar_buttons(page) == {
        "goto:profile": "会社情報の確認",
        "goto:second": "試験用ステップ2",
        "goto:kpis": "定量指標",
        "goto:review": "確認・提出",
    }
    # Enter in a field presses the form's first submit button in document order: "next".
    form_buttons = [
        b
        for b in page.find_all("button", type="submit")
        if b.get("form") == "step-form" or form in b.parents
    ]
    assert form_buttons[0]["value"] == "next"
    # The page being shown stays a link marked as the current step, not a button.
    current = page.select_one('.progress-panel a[aria-current="step"]')
    assert current.get_text(strip=True) == "試験用ステップ1"
    assert (
        page.text("#step-nav-hint")
        == "ほかのステップへ移ると、このページの入力内容は保存されます。"
    )


def test_a_sidebar_button_saves_then_opens_that_step(
    client_request, db, owner_with_tiny_assessment, tiny_index
):
    _, _, assessment = owner_with_tiny_assessment
    step = tiny_index.step("first")
    page = _step_page(client_request, assessment, "first")
    data = step_payload(step, 3, 4, evidence="会議で合意", page=page, nav="goto:second")
    second_url = client_request.url(
        "assessments.step", assessment_id=assessment.id, step_id="second"
    )
    client_request.post(
        "assessments.step",
        _data=data,
        _expected_redirect=second_url,
        assessment_id=assessment.id,
        step_id="first",
    )
    # Coming back: nothing lost, and the step counts as saved.
    back = _step_page(client_request, assessment, "first")
    for item_id in step.item_ids:
        assert back.field_value(f"item-{item_id}-current") == "3"
        assert back.field_value(f"item-{item_id}-target") == "4"
        assert back.field_value(f"item-{item_id}-evidence") == "会議で合意"
    assert back.field_value("version") == "1"
    assert services.step_versions(assessment) == {"first": 1}
    done = back.select_one(".progress-panel li.done")
    assert done is not None and "試験用ステップ1" in done.get_text()


def test_each_flow_page_is_a_target(client_request, owner_with_tiny_assessment, tiny_index):
    _, _, assessment = owner_with_tiny_assessment
    step = tiny_index.step("second")
    expected = {
        "profile": client_request.url("assessments.profile_step", assessment_id=assessment.id),
        "first": client_request.url(
            "assessments.step", assessment_id=assessment.id, step_id="first"
        ),
        "kpis": client_request.url("assessments.kpi_step", assessment_id=assessment.id),
        "review": client_request.url("assessments.review", assessment_id=assessment.id),
    }
    for target, url in expected.items():
        page = _step_page(client_request, assessment, "second")
        client_request.post(
            "assessments.step",
            _data=step_payload(step, 1, 2, page=page, nav=f"goto:{target}"),
            _expected_redirect=url,
            assessment_id=assessment.id,
            step_id="second",
        )


def test_an_untouched_step_is_left_without_being_marked_saved(
    client_request, owner_with_tiny_assessment, tiny_index
):
    _, _, assessment = owner_with_tiny_assessment
    page = _step_page(client_request, assessment, "first")
    data = step_payload(tiny_index.step("first"), "", "", page=page, nav="goto:second")
    client_request.post(
        "assessments.step",
        _data=data,
        _expected_redirect=client_request.url(
            "assessments.step", assessment_id=assessment.id, step_id="second"
        ),
        assessment_id=assessment.id,
        step_id="first",
    )
    assert services.step_versions(assessment) == {}  # still 未着手, not 途中


def test_only_the_flows_pages_are_accepted(client_request, owner_with_tiny_assessment, tiny_index):
    _, _, assessment = owner_with_tiny_assessment
    step = tiny_index.step("first")
    for nav in ("goto:elsewhere", "goto:", "goto:/admin/", "goto:first-x", "goto:results"):
        page = _step_page(client_request, assessment, "first")
        refused = client_request.post(
            "assessments.step",
            _data=step_payload(step, 3, 4, page=page, nav=nav),
            _expected_status=400,
            assessment_id=assessment.id,
            step_id="first",
        )
        assert refused.error_summary() == [INPUT_ERRORS]
        # The typed input is drawn again and still flagged as unsaved for the page's script.
        assert refused.field_value("item-T1-current") == "3"
        assert refused.select_one("form#step-form")["data-unsaved-warning"] == "unsaved"
    assert services.step_versions(assessment) == {}
    # Forms without sidebar buttons (the profile confirmation) accept no goto at all.
    profile = client_request.get("assessments.profile_step", assessment_id=assessment.id)
    client_request.post(
        "assessments.profile_step",
        _data={"nav": "goto:first"},
        _from=profile,
        _expected_status=400,
        assessment_id=assessment.id,
    )


def test_invalid_input_stays_on_the_page_with_its_errors(
    client_request, owner_with_tiny_assessment, tiny_index
):
    _, _, assessment = owner_with_tiny_assessment
    page = _step_page(client_request, assessment, "first")
    data = step_payload(
        tiny_index.step("first"), 9, 4, evidence="途中の根拠", page=page, nav="goto:second"
    )
    shown = client_request.post(
        "assessments.step",
        _data=data,
        _expected_status=400,
        assessment_id=assessment.id,
        step_id="first",
    )
    assert shown.error_summary() == [INPUT_ERRORS]
    assert "0〜5のレベルから選択してください。" in shown.field_errors()
    assert shown.field_value("item-T1-evidence") == "途中の根拠"
    assert services.step_versions(assessment) == {}


def test_a_conflict_is_shown_instead_of_moving_on(
    client_request, owner_with_tiny_assessment, tiny_index
):
    owner, _, assessment = owner_with_tiny_assessment
    step = tiny_index.step("first")
    page = _step_page(client_request, assessment, "first")  # loaded at version 0
    other = {
        i: {"current": 1, "target": 1, "evidence": "別の画面", "action": ""} for i in step.item_ids
    }
    assert services.save_step(assessment, step, other, 0, owner) is None
    shown = client_request.post(
        "assessments.step",
        _data=step_payload(step, 3, 4, page=page, nav="goto:second"),
        _expected_status=409,
        assessment_id=assessment.id,
        step_id="first",
    )
    assert shown.select_one(".conflict h2").get_text(strip=True).startswith("他の画面")
    assert shown.field_value("item-T1-current") == "3"
    assert services.answer_values(services.answers_by_item(assessment)["T1"])["current"] == 1


def test_read_only_pages_keep_plain_links(client_request, owner_with_tiny_assessment, make_user):
    _, company, assessment = owner_with_tiny_assessment
    viewer = client_request.new_session()
    viewer.login_as("viewer", company=company)
    page = _step_page(viewer, assessment, "first")
    assert _sidebar_buttons(page) == {}
    assert page.select_one("form#step-form").has_attr("data-unsaved-warning")
    links = [a["href"] for a in page.select(".progress-panel a")]
    assert viewer.url("assessments.step", assessment_id=assessment.id, step_id="second") in links
