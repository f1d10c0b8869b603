"""Long steps on a phone (issue 11, item 6): each item of a step is a <details> under its key
question's heading, open while it is unanswered or has an error, closed once answered; the
step navigation is a <details> whose summary names the current step."""

from tests.integration.helpers import TINY, step_payload

STEP = TINY.steps[0]
KQ, SQ = STEP.item_ids  # "T1", "T1-1"


def _open_items(page) -> dict[str, bool]:
    return {d["id"]: d.has_attr("open") for d in page.select("details.item-card")}


def _get(client_request, assessment):
    return client_request.get("assessments.step", assessment_id=assessment.id, step_id=STEP.id)


def test_unanswered_items_are_open_and_answered_ones_closed(
    client_request, db, owner_with_tiny_assessment
):
    _, _, assessment = owner_with_tiny_assessment
    page = _get(client_request, assessment)
    assert _open_items(page) == {f"item-{KQ}": True, f"item-{SQ}": True}
    assert page.texts("details.item-card .item-state") == ["未回答", "未回答"]
    # Grouped under the key question's heading (h1 > h2 > the items' h3).
    group = page.select_one("section.item-group")
    assert group.select_one("h2").get_text(" ", strip=True).startswith(KQ)
    assert [h.get_text(strip=True) for h in group.select("summary h3")] == [
        TINY.item(KQ).title,
        TINY.item(SQ).title,
    ]

    data = step_payload(STEP, 2, 3, page=page, nav="save_exit")
    data[f"item-{SQ}-current"] = ""  # leave one unanswered
    data[f"item-{SQ}-target"] = ""
    client_request.post(
        "assessments.step", _data=data, assessment_id=assessment.id, step_id=STEP.id
    )
    page = _get(client_request, assessment)
    assert _open_items(page) == {f"item-{KQ}": False, f"item-{SQ}": True}
    assert page.texts("details.item-card .item-state") == ["現在 2 / 目標 3", "未回答"]
    # A closed item's answers are still in the form, so saving again loses nothing.
    assert page.select_one(f"input[name='item-{KQ}-current'][value='2']").has_attr("checked")


def test_an_item_with_an_error_is_open(client_request, db, owner_with_tiny_assessment):
    _, _, assessment = owner_with_tiny_assessment
    page = _get(client_request, assessment)
    data = step_payload(STEP, 2, 3, page=page, nav="save_exit")
    client_request.post(
        "assessments.step", _data=data, assessment_id=assessment.id, step_id=STEP.id
    )
    page = _get(client_request, assessment)
    assert _open_items(page) == {f"item-{KQ}": False, f"item-{SQ}": False}

    data = step_payload(STEP, 2, 3, page=page, nav="save_exit")
    data[f"item-{SQ}-evidence"] = "あ" * 2001  # over the limit
    page = client_request.post(
        "assessments.step",
        _data=data,
        _expected_status=400,
        assessment_id=assessment.id,
        step_id=STEP.id,
    )
    assert page.select_one(f"details#item-{SQ} p.error") is not None
    # Drawn again with the posted input: every item is open, the one in error included.
    assert _open_items(page) == {f"item-{KQ}": True, f"item-{SQ}": True}


def test_step_navigation_is_a_compact_bar_naming_the_step(
    client_request, db, owner_with_tiny_assessment
):
    _, _, assessment = owner_with_tiny_assessment
    page = _get(client_request, assessment)
    nav = page.select_one("nav.progress-panel details.step-nav")
    assert nav is not None and nav.has_attr("open")  # app.js closes it on narrow screens
    summary = nav.select_one("summary")
    assert summary.select_one(".step-nav-here").get_text(strip=True) == STEP.title
    # The sidebar's save-and-go buttons are still inside, tied to the step form.
    assert all(b["form"] == "step-form" for b in nav.select("button[name=nav]"))
