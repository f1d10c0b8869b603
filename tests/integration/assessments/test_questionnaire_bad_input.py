"""Bad input on the questionnaire: a clear error, and nothing in the database changes.

These run on the 3-item, 2-step test index (tests/fixtures/questionnaires): step T1 holds the
key question T1 and its sub-question T1-1, step T2 the item T2."""

import pytest
from werkzeug.datastructures import MultiDict

from app.models import Answer, StashedPost, StepState
from tests.integration.helpers import TINY, TINY_VERSION, step_payload

INDEX = TINY
STEP = INDEX.steps[0]
KQ, SQ = STEP.item_ids  # "T1", "T1-1"
OTHER_STEPS_ITEM = INDEX.steps[1].item_ids[0]  # "T2"
LEVEL_ERROR = "0〜5のレベルから選択してください。"


def _answers(db):
    return db.session.scalar(db.select(db.func.count(Answer.id)))


def _step(assessment, step_id=STEP.id):
    return {"assessment_id": assessment.id, "step_id": step_id}


def _post(client_request, assessment, mutate, status=400, step=STEP):
    page = client_request.get("assessments.step", **_step(assessment, step.id))
    data = step_payload(step, 2, 3, page=page)
    mutate(data)
    return client_request.post(
        "assessments.step", _data=data, _expected_status=status, **_step(assessment, step.id)
    )


@pytest.mark.parametrize(
    "bad", ["6", "-1", "3.5", " 3", "٣", "３", "0x3", "1e1", "NaN", "abc", "10" * 200]
)
def test_level_outside_0_to_5_or_not_a_number(client_request, db, owner_with_tiny_assessment, bad):
    _, _, assessment = owner_with_tiny_assessment

    def mutate(data):
        data[f"item-{SQ}-current"] = bad

    page = _post(client_request, assessment, mutate)
    # The message sits on the field that was wrong, and only there.
    assert page.select_one(f"fieldset#item-{SQ}-current p.error").get_text() == LEVEL_ERROR
    assert page.field_errors() == [LEVEL_ERROR]
    assert page.error_summary() == [
        "入力内容にエラーがあります。各項目のメッセージを確認してください。"
    ]
    assert _answers(db) == 0
    assert db.session.scalar(db.select(db.func.count()).select_from(StepState)) == 0


def test_item_from_another_step_is_refused(client_request, db, owner_with_tiny_assessment):
    _, _, assessment = owner_with_tiny_assessment
    page = _post(
        client_request, assessment, lambda d: d.update({f"item-{OTHER_STEPS_ITEM}-current": "5"})
    )
    assert any("この画面にない項目が送信されました" in m for m in page.error_summary())
    assert _answers(db) == 0


def test_unknown_item_id_is_refused(client_request, db, owner_with_tiny_assessment):
    _, _, assessment = owner_with_tiny_assessment
    _post(client_request, assessment, lambda d: d.update({"item-99-current": "5"}))
    assert _answers(db) == 0


def test_unknown_step_id_is_404(client_request, db, owner_with_tiny_assessment):
    _, _, assessment = owner_with_tiny_assessment
    page = client_request.get("assessments.step", **_step(assessment))
    client_request.get(
        "assessments.step", _expected_status=404, **_step(assessment, "no-such-step")
    )
    client_request.post_url(
        f"/assessments/{assessment.id}/steps/..%2Fadmin", _from=page, _expected_status=404
    )
    assert _answers(db) == 0


def test_duplicated_field_is_refused(client, client_request, db, owner_with_tiny_assessment):
    _, _, assessment = owner_with_tiny_assessment
    url = client_request.url("assessments.step", **_step(assessment))
    page = client_request.get_url(url)
    data = MultiDict(
        list(step_payload(STEP, 2, 3, page=page).items()) + [(f"item-{SQ}-current", "5")]
    )
    response = client.post(url, data=data)  # a MultiDict: the raw client sends both values
    assert response.status_code == 400
    refused = client_request.parse(response)  # the input guard's page, before any view
    assert refused.h1 == f"同じ項目に複数の値が送信されました: item-{SQ}-current"
    assert _answers(db) == 0


def test_oversized_evidence_is_refused_and_text_kept(
    client_request, db, owner_with_tiny_assessment
):
    _, _, assessment = owner_with_tiny_assessment
    long_text = "証" * 2001
    page = _post(client_request, assessment, lambda d: d.update({f"item-{SQ}-evidence": long_text}))
    assert page.field_errors() == ["2000文字以内で入力してください。"]
    assert page.select_one(f"#item-{SQ} p.error").get_text() == "2000文字以内で入力してください。"
    assert page.field_value(f"item-{SQ}-evidence") == long_text  # what was typed is not lost
    assert _answers(db) == 0


def test_evidence_at_the_limit_is_accepted(client_request, db, owner_with_tiny_assessment):
    _, _, assessment = owner_with_tiny_assessment
    _post(client_request, assessment, lambda d: d.update({f"item-{SQ}-evidence": "証" * 2000}), 302)
    stored = db.session.scalar(db.select(Answer).where(Answer.item_id == SQ))
    assert len(stored.evidence) == 2000


def test_nul_character_in_evidence_is_refused(client_request, db, owner_with_tiny_assessment):
    _, _, assessment = owner_with_tiny_assessment
    page = _post(client_request, assessment, lambda d: d.update({f"item-{KQ}-evidence": "a\x00b"}))
    # NUL never reaches a view (PostgreSQL text cannot hold it): the input guard's page.
    assert "制御文字" in page.h1
    assert _answers(db) == 0


@pytest.mark.parametrize("bad", ["a\x0bb", "a\x1bb", "a\x7fb", "a\x85b"])
def test_control_characters_in_evidence_are_refused_next_to_the_field(
    client_request, db, owner_with_tiny_assessment, bad
):
    """Vertical tab, ESC, DEL and C1 controls: the field's message, what was typed kept."""
    _, _, assessment = owner_with_tiny_assessment
    page = _post(client_request, assessment, lambda d: d.update({f"item-{SQ}-action": bad}))
    assert page.field_errors() == ["使用できない制御文字が含まれています。"]
    assert page.field_value(f"item-{SQ}-action") == bad
    assert _answers(db) == 0


def test_evidence_too_long_and_with_a_control_character_gets_both_messages(
    client_request, db, owner_with_tiny_assessment
):
    _, _, assessment = owner_with_tiny_assessment
    bad = "証" * 2000 + "\x1b"
    page = _post(client_request, assessment, lambda d: d.update({f"item-{KQ}-evidence": bad}))
    assert page.field_errors() == [
        "2000文字以内で入力してください。",
        "使用できない制御文字が含まれています。",
    ]
    assert _answers(db) == 0


def test_tabs_and_line_breaks_in_evidence_are_kept_and_text_stored_in_nfc(
    client_request, db, owner_with_tiny_assessment
):
    _, _, assessment = owner_with_tiny_assessment
    typed = "一行目\r\n\tcafe\u0301"  # "e" and a combining acute accent: "é" in NFC
    _post(client_request, assessment, lambda d: d.update({f"item-{SQ}-evidence": typed}), 302)
    stored = db.session.scalar(db.select(Answer.evidence).where(Answer.item_id == SQ))
    assert stored == "一行目\r\n\tcaf\u00e9"


@pytest.mark.parametrize(
    "field,bad",
    [("nav", "goto:nowhere"), ("nav", "submit"), ("version", "1.0"), ("version", "")],
)
def test_a_bad_button_or_version_is_refused(
    client_request, db, owner_with_tiny_assessment, field, bad
):
    _, _, assessment = owner_with_tiny_assessment
    page = _post(client_request, assessment, lambda d: d.update({field: bad}))
    assert page.error_summary() == [
        "入力内容にエラーがあります。各項目のメッセージを確認してください。"
    ]
    assert _answers(db) == 0
    assert db.session.scalar(db.select(db.func.count()).select_from(StepState)) == 0


def _stashes(db) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(StashedPost))


def test_missing_csrf_token_changes_nothing(client, client_request, db, owner_with_tiny_assessment):
    _, _, assessment = owner_with_tiny_assessment
    url = client_request.url("assessments.step", **_step(assessment))
    data = step_payload(STEP, 2, 3, page=client_request.get_url(url))
    del data["csrf_token"]
    response = client.post(url, data=data)  # the raw client: no token at all
    # Refused, and nothing kept to be offered back: only a post carrying the session's own
    # token may leave input behind (issue 9, finding 2).
    assert response.status_code == 400
    assert _answers(db) == 0
    assert _stashes(db) == 0
    page = client_request.get_url(url)
    assert page.select_one("#restored-draft") is None
    assert page.field_value(f"item-{SQ}-current") is None
    assert page.field_value(f"item-{SQ}-target") is None


def test_wrong_csrf_token_changes_nothing(client_request, db, owner_with_tiny_assessment):
    _, _, assessment = owner_with_tiny_assessment
    _post(client_request, assessment, lambda d: d.update({"csrf_token": "forged"}), 400)
    assert _answers(db) == 0
    assert _stashes(db) == 0


def test_extra_fields_cannot_change_status_or_company(
    client_request, db, owner_with_tiny_assessment
):
    _, company, assessment = owner_with_tiny_assessment
    _post(
        client_request,
        assessment,
        lambda d: d.update(
            {
                "status": "submitted",
                "company_id": "999",
                "fiscal_year": "1999",
                "index_version": "x",
            }
        ),
        302,
    )
    db.session.refresh(assessment)
    assert (
        assessment.status,
        assessment.company_id,
        assessment.fiscal_year,
        assessment.index_version,
    ) == ("draft", company.id, 2026, TINY_VERSION)


def test_another_companys_assessment_is_404_and_unchanged(
    client_request, db, owner_with_tiny_assessment, make_user, make_company
):
    from app.assessments import services
    from app.models import AuditEvent

    other_owner = make_user(email="other@example.jp")
    other = make_company(other_owner, name="他社")
    theirs = services.start_assessment(
        other, 2026, other_owner, prefill=False, index_version=TINY_VERSION
    )
    _, _, mine = owner_with_tiny_assessment
    page = client_request.get("assessments.step", **_step(mine))
    for endpoint, values in (
        ("assessments.resume", {"assessment_id": theirs.id}),
        ("assessments.step", _step(theirs)),
        ("assessments.review", {"assessment_id": theirs.id}),
        ("assessments.results", {"assessment_id": theirs.id}),
        ("assessments.profile_step", {"assessment_id": theirs.id}),
        ("companies.dashboard", {"company_id": other.id}),
        ("companies.edit", {"company_id": other.id}),
    ):
        refused = client_request.get(endpoint, _expected_status=404, **values)
        assert "他社" not in refused.html, endpoint
    client_request.post(
        "assessments.step",
        _data=step_payload(STEP, 5, 5, page=page),
        _expected_status=404,
        **_step(theirs),
    )
    client_request.post(
        "assessments.submit",
        _data={"version": "1"},
        _from=page,
        _expected_status=404,
        assessment_id=theirs.id,
    )
    client_request.post(
        "assessments.start",
        _data={"fiscal_year": "2027"},
        _from=page,
        _expected_status=404,
        company_id=other.id,
    )
    assert _answers(db) == 0
    db.session.refresh(theirs)
    assert (theirs.status, theirs.version) == ("draft", 1)
    denied = db.session.scalars(
        db.select(AuditEvent).where(AuditEvent.event == "access_denied")
    ).all()
    assert len(denied) >= 7  # IDOR attempts are logged


def test_state_changing_routes_refuse_get(client, owner_with_tiny_assessment):
    _, company, assessment = owner_with_tiny_assessment
    for url in (
        f"/assessments/{assessment.id}/submit",
        f"/assessments/{assessment.id}/reopen",
        f"/companies/{company.id}/assessments",
        "/logout",
    ):
        assert client.get(url).status_code == 405, url


@pytest.mark.parametrize("blank", ["", "  ", "\t", "　"])
def test_level_of_only_spaces_is_saved_as_no_answer(
    client_request, db, owner_with_tiny_assessment, blank
):
    """WTForms' Optional() lets whitespace through validation; it was then read as a number
    (a 500). Only spaces is no answer, as an empty level is."""
    _, _, assessment = owner_with_tiny_assessment

    def mutate(data):
        data[f"item-{SQ}-current"] = blank

    _post(client_request, assessment, mutate, status=302)
    answer = db.session.scalar(db.select(Answer).where(Answer.item_id == SQ))
    assert (answer.current_level, answer.target_level) == (None, 3)
    key = db.session.scalar(db.select(Answer).where(Answer.item_id == KQ))
    assert (key.current_level, key.target_level) == (2, 3)
