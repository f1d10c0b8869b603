"""Comments on assessments: the comment scope versus the read scope, members' comments,
refused input kept, and hostile text escaped everywhere."""

import pytest

from app.models import AuditEvent, Comment
from app.models.comment import COMMENT_MAX
from tests.integration.member_helpers import XSS_PAYLOADS, assert_escaped, grant

ADD_COMMENT = "comments.add_comment"


def _comment(session, assessment, body, status=302, page_endpoint="assessments.review"):
    """Post a comment from the page it is written on (the review page by default)."""
    page = session.get(page_endpoint, assessment_id=assessment.id)
    return session.post(
        ADD_COMMENT,
        _data={"body": body},
        _from=page,
        _expected_status=status,
        assessment_id=assessment.id,
    )


def _thread(page) -> list[tuple[str, str]]:
    """The comments panel as (author line, body) pairs; bodies keep their line breaks."""
    return [
        (
            " ".join(c.select_one(".comment-meta").find(string=True, recursive=False).split()),
            c.select_one(".comment-body").get_text(),
        )
        for c in page.select("#comments article.comment")
    ]


def _count(db, model):
    return db.session.scalar(db.select(db.func.count(model.id)))


def test_comment_scope_versus_read_scope(
    client, client_request, db, advised_company, make_user, add_member
):
    owner, company, submitted, draft, advisor = advised_company
    grant(client, company.id, advisor.email, "read")
    a = client_request.new_session().login(advisor)
    assert a.get("assessments.review", assessment_id=draft.id).select("#comments form") == []
    _comment(a, draft, "読むだけのはず", status=403)
    assert _count(db, Comment) == 0

    grant(client, company.id, advisor.email, "comment")
    review = a.get("assessments.review", assessment_id=draft.id)
    assert review.field("body", within=review.select_one("#comments form")).name == "textarea"
    response = _comment(a, draft, "KQ1の根拠資料を\n添付してください。")
    assert response.location.endswith(f"/assessments/{draft.id}/review#comments")
    response = _comment(a, submitted, "提出お疲れさまでした。", page_endpoint="assessments.results")
    assert response.location.endswith(f"/assessments/{submitted.id}/results#comments")

    review = client_request.get("assessments.review", assessment_id=draft.id)
    assert _thread(review) == [
        ("支援 花子（支援者・大阪商工会議所）", "KQ1の根拠資料を\n添付してください。")
    ]
    results = client_request.get("assessments.results", assessment_id=submitted.id)
    assert _thread(results) == [("支援 花子（支援者・大阪商工会議所）", "提出お疲れさまでした。")]

    # Owners and editors comment too; viewers do not.
    _comment(client_request, draft, "オーナーの返信")
    editor, viewer = make_user(email="ed@example.jp"), make_user(email="vi@example.jp")
    add_member(company, editor, "editor")
    add_member(company, viewer, "viewer")
    _comment(client_request.new_session().login(editor), draft, "編集者の返信")
    v = client_request.new_session().login(viewer)
    assert v.get("assessments.review", assessment_id=draft.id).select("#comments form") == []
    _comment(v, draft, "閲覧者のコメント", status=403)
    bodies = list(db.session.scalars(db.select(Comment.body).order_by(Comment.id)))
    assert bodies == [
        "KQ1の根拠資料を\n添付してください。",
        "提出お疲れさまでした。",
        "オーナーの返信",
        "編集者の返信",
    ]
    assert [body for _, body in _thread(v.get("assessments.review", assessment_id=draft.id))] == [
        "KQ1の根拠資料を\n添付してください。",
        "オーナーの返信",
        "編集者の返信",
    ]
    assert _count(db, AuditEvent) >= 4
    added = db.session.scalars(db.select(AuditEvent).where(AuditEvent.event == "comment_added"))
    assert {e.company_id for e in added} == {company.id}


def test_bad_comments_are_refused_and_keep_the_text(client_request, db, advised_company):
    _, _, _, draft, _ = advised_company
    cases = [
        ("", "コメントを入力してください。"),
        ("   \n  ", "コメントを入力してください。"),
        ("あ" * (COMMENT_MAX + 1), f"{COMMENT_MAX}文字以内で入力してください。"),
        ("ベル\x07", "使用できない制御文字が含まれています。"),
    ]
    for body, message in cases:
        page = _comment(client_request, draft, body, status=400)
        assert page.error_summary() == [f"コメント: {message}"], repr(body)
        assert page.field_errors() == [message], repr(body)
    # NUL never reaches a view (PostgreSQL text cannot hold it): the input guard's page.
    nul = _comment(client_request, draft, "制御\x00文字", status=400)
    assert nul.h1 == "使用できない制御文字が含まれています。"
    long = _comment(client_request, draft, "い" * (COMMENT_MAX + 1), status=400)
    assert long.field_value("body") == "い" * (COMMENT_MAX + 1)  # nothing typed is lost
    assert _count(db, Comment) == 0
    _comment(client_request, draft, "う" * COMMENT_MAX)
    assert _count(db, Comment) == 1


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_hostile_comments_render_escaped_everywhere(
    client, client_request, db, advised_company, payload
):
    owner, company, submitted, draft, advisor = advised_company
    grant(client, company.id, advisor.email, "comment")
    a = client_request.new_session().login(advisor)
    _comment(a, draft, payload)
    _comment(a, submitted, payload, page_endpoint="assessments.results")
    assert db.session.scalar(db.select(Comment.body).limit(1)) == payload
    for session in (a, client_request):
        for endpoint, assessment in (
            ("assessments.review", draft),
            ("assessments.results", submitted),
        ):
            page = session.get(endpoint, assessment_id=assessment.id)
            assert_escaped(page.html, payload)  # the raw HTML: escaped, never markup
            assert [body for _, body in _thread(page)] == [payload]  # shown as typed
    # The too-long error page echoes the text back, escaped as well.
    refused = _comment(a, draft, payload + "x" * COMMENT_MAX, status=400)
    assert_escaped(refused.html, payload)
    assert refused.field_value("body") == payload + "x" * COMMENT_MAX


def test_the_empty_comment_box_speaks_the_page_language(client_request, advised_company):
    """The empty box is drawn once and kept (app/comments/panel.py): per language, so the first
    page's language is not served to a page asked for in the other one."""
    _, _, _, draft, _ = advised_company

    def box_hint(lang):
        page = client_request.get_url(f"/assessments/{draft.id}/review?lang={lang}")
        body = page.select_one("#comments textarea[name=body]")
        return page.select_one(f"#{body['aria-describedby'].split()[0]}").get_text(strip=True)

    assert box_hint("ja").startswith("2000文字以内")
    assert box_hint("en").startswith("Up to 2,000 characters")
    assert box_hint("ja").startswith("2000文字以内")
