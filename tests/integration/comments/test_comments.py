"""Comments on assessments: the comment scope versus the read scope, members' comments,
refused input kept, and hostile text escaped everywhere."""

import pytest

from app.models import AuditEvent, Comment
from app.models.comment import COMMENT_MAX
from tests.integration.member_helpers import (
    XSS_PAYLOADS,
    assert_escaped,
    grant,
    post_with_csrf,
)


def _comment(c, assessment, body, page_url=None):
    page_url = page_url or f"/assessments/{assessment.id}/review"
    return post_with_csrf(c, page_url, f"/assessments/{assessment.id}/comments", {"body": body})


def _count(db, model):
    return db.session.scalar(db.select(db.func.count(model.id)))


def test_comment_scope_versus_read_scope(
    app, client, db, advised_company, login, make_user, add_member
):
    owner, company, submitted, draft, advisor = advised_company
    grant(client, company.id, advisor.email, "read")
    a = login(advisor.email, c=app.test_client())
    response = _comment(a, draft, "読むだけのはず")
    assert response.status_code == 403 and _count(db, Comment) == 0

    grant(client, company.id, advisor.email, "comment")
    review = a.get(f"/assessments/{draft.id}/review").get_data(as_text=True)
    assert 'name="body"' in review
    response = _comment(a, draft, "KQ1の根拠資料を\n添付してください。")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/assessments/{draft.id}/review#comments")
    response = _comment(a, submitted, "提出お疲れさまでした。")
    assert response.headers["Location"].endswith(f"/assessments/{submitted.id}/results#comments")

    html = client.get(f"/assessments/{draft.id}/review").get_data(as_text=True)
    assert "KQ1の根拠資料を\n添付してください。" in html
    assert "支援 花子（支援者・大阪商工会議所）" in html
    assert "提出お疲れさまでした。" in client.get(f"/assessments/{submitted.id}/results").get_data(
        as_text=True
    )

    # Owners and editors comment too; viewers do not.
    assert _comment(client, draft, "オーナーの返信").status_code == 302
    editor, viewer = make_user(email="ed@example.jp"), make_user(email="vi@example.jp")
    add_member(company, editor, "editor")
    add_member(company, viewer, "viewer")
    e = login(editor.email, c=app.test_client())
    assert _comment(e, draft, "編集者の返信").status_code == 302
    v = login(viewer.email, c=app.test_client())
    assert 'name="body"' not in v.get(f"/assessments/{draft.id}/review").get_data(as_text=True)
    assert _comment(v, draft, "閲覧者のコメント").status_code == 403
    bodies = list(db.session.scalars(db.select(Comment.body).order_by(Comment.id)))
    assert bodies == [
        "KQ1の根拠資料を\n添付してください。",
        "提出お疲れさまでした。",
        "オーナーの返信",
        "編集者の返信",
    ]
    assert _count(db, AuditEvent) >= 4
    added = db.session.scalars(db.select(AuditEvent).where(AuditEvent.event == "comment_added"))
    assert {e.company_id for e in added} == {company.id}


def test_bad_comments_are_refused_and_keep_the_text(client, db, advised_company):
    _, _, _, draft, _ = advised_company
    cases = [
        ("", "コメントを入力してください。"),
        ("   \n  ", "コメントを入力してください。"),
        ("あ" * (COMMENT_MAX + 1), f"{COMMENT_MAX}文字以内で入力してください。"),
        ("制御\x00文字", "使用できない制御文字が含まれています。"),
        ("ベル\x07", "使用できない制御文字が含まれています。"),
    ]
    for body, message in cases:
        response = _comment(client, draft, body)
        html = response.get_data(as_text=True)
        assert response.status_code == 400, repr(body)
        assert message in html
    long = _comment(client, draft, "い" * (COMMENT_MAX + 1)).get_data(as_text=True)
    assert "い" * (COMMENT_MAX + 1) in long  # nothing typed is lost
    assert _count(db, Comment) == 0
    assert _comment(client, draft, "う" * COMMENT_MAX).status_code == 302
    assert _count(db, Comment) == 1


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_hostile_comments_render_escaped_everywhere(
    app, client, db, advised_company, login, payload
):
    owner, company, submitted, draft, advisor = advised_company
    grant(client, company.id, advisor.email, "comment")
    a = login(advisor.email, c=app.test_client())
    assert _comment(a, draft, payload).status_code == 302
    assert _comment(a, submitted, payload).status_code == 302
    assert db.session.scalar(db.select(Comment.body).limit(1)) == payload
    for c in (a, client):
        for url in (f"/assessments/{draft.id}/review", f"/assessments/{submitted.id}/results"):
            assert_escaped(c.get(url).get_data(as_text=True), payload)
    # The too-long error page echoes the text back, escaped as well.
    response = _comment(a, draft, payload + "x" * COMMENT_MAX)
    assert response.status_code == 400
    assert_escaped(response.get_data(as_text=True), payload)
