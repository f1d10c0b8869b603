"""The advisor's review beside the self-assessment: ratings with evidence checks, review points
with replies, resolving, ratings made on an earlier answer, the company's view of them, and the
rules (read-only grants, revoke, viewers, members, bad input). Nothing the advisor does may
change the company's answers or scores."""

from datetime import UTC, datetime

import pytest

from app.models import (
    AdvisorGrant,
    Answer,
    Assessment,
    AuditEvent,
    ItemRating,
    ReviewComment,
)
from tests.integration.helpers import step_payload
from tests.integration.member_helpers import INDEX, draft_assessment, submitted_assessment

FIRST_STEP = INDEX.steps[0]
ITEM = FIRST_STEP.item_ids[0]


def company_state(db, company_id):
    """Every answer and stored score of the company, as plain values."""
    answers = db.session.execute(
        db.select(
            Answer.assessment_id,
            Answer.item_id,
            Answer.current_level,
            Answer.target_level,
            Answer.evidence,
            Answer.action,
            Answer.updated_at,
        )
        .join(Assessment, Assessment.id == Answer.assessment_id)
        .where(Assessment.company_id == company_id)
        .order_by(Answer.assessment_id, Answer.item_id)
    ).all()
    assessments = db.session.execute(
        db.select(Assessment.id, Assessment.status, Assessment.version, Assessment.scores)
        .where(Assessment.company_id == company_id)
        .order_by(Assessment.id)
    ).all()
    return [tuple(r) for r in answers], [tuple(r) for r in assessments]


def events(db, company_id):
    return db.session.scalars(
        db.select(AuditEvent.event)
        .where(AuditEvent.company_id == company_id, AuditEvent.event.like("review_%"))
        .order_by(AuditEvent.id)
    ).all()


@pytest.fixture()
def reviewed(client_request, db, make_user, make_company):
    """A company (owner, editor, viewer) with a submitted year (all items at level 2) and an
    advisor with a read + comment grant, each in their own browser session."""
    owner = make_user(email="owner@example.jp", display_name="山田 太郎")
    company = make_company(owner, name="レビュー株式会社")
    submitted = submitted_assessment(company, owner, year=2025, level=2)
    advisor = make_user(role="advisor", email="adv@example.jp", display_name="支援 花子")
    db.session.add(AdvisorGrant(company_id=company.id, advisor_id=advisor.id, scope="comment"))
    db.session.commit()
    sessions = {
        "owner": client_request.new_session().login(owner),
        "advisor": client_request.new_session().login(advisor),
    }
    return company, submitted, owner, advisor, sessions


def item_url(page_session, assessment, item_id=ITEM):
    return page_session.url("reviews.item", assessment_id=assessment.id, item_id=item_id)


def test_rating_and_thread_beside_the_answers_and_nothing_changes(db, reviewed, add_member):
    company, submitted, owner, advisor, s = reviewed
    before = company_state(db, company.id)
    adv, own = s["advisor"], s["owner"]
    where = {"assessment_id": submitted.id, "item_id": ITEM}

    page = adv.get("reviews.item", **where)
    assert page.h1.startswith(f"項目{ITEM} ")
    adv.post("reviews.rate", _data={"level": "5", "evidence_checked": "y"}, _from=page, **where)
    adv.post("reviews.comment", _data={"body": "根拠資料を見せてください"}, _from=page, **where)
    point = db.session.scalar(db.select(ReviewComment))
    rating = db.session.scalar(db.select(ItemRating))
    assert (rating.level, rating.advisor_id) == (5, advisor.id)
    assert rating.evidence_checked_at is not None and point.parent_id is None

    # The company sees the rating and the open point beside its answer on the results page,
    # the row is marked (self 2, advisor 5: a difference of 3 levels).
    results = own.get("assessments.results", assessment_id=submitted.id)
    [row] = [
        tr for tr in results.select("tr.differs-row") if tr.th.get_text().strip().startswith(ITEM)
    ]
    cell = " ".join(row.select_one("td.review-cell").get_text(" ").split())
    assert "支援者 5" in cell and "根拠確認済" in cell and "差3以上" in cell
    assert "指摘 1件（未解決 1）" in cell
    assert len(results.select("tr.differs-row")) == 1  # only the rated item

    # The owner replies and resolves; the advisor may reply but not resolve.
    item_page = own.get("reviews.item", **where)
    assert item_page.texts("#ratings .advisor-level") == ["5 " + INDEX.levels[5].name]
    own.post(
        "reviews.comment",
        _data={"body": "会議資料を添付します", "parent_id": str(point.id)},
        _from=item_page,
        **where,
    )
    adv.post("reviews.resolve", _from=page, _expected_status=403, comment_id=point.id)
    own.post("reviews.resolve", _from=item_page, comment_id=point.id)
    again = own.post("reviews.resolve", _from=item_page, comment_id=point.id)
    assert own.get_url(again.location).flashes("info") == ["この指摘は既に解決済みです。"]

    shown = adv.get("reviews.item", **where)
    assert shown.texts("#thread .review-point .reply .comment-body") == ["会議資料を添付します"]
    assert "解決済み" in shown.text("#thread .review-point .point-meta")
    assert company_state(db, company.id) == before  # answers and scores untouched
    assert events(db, company.id) == [
        "review_rating_saved",
        "review_point_added",
        "review_reply_added",
        "review_point_resolved",
    ]
    log = own.get("members.audit", company_id=company.id)
    assert (
        "支援者が項目を評価" in log.soup.get_text()
        and "指摘を解決済みに変更" in log.soup.get_text()
    )


def test_read_only_grant_cannot_rate_or_comment(db, reviewed):
    company, submitted, owner, advisor, s = reviewed
    grant = db.session.scalar(db.select(AdvisorGrant))
    grant.scope = "read"
    db.session.commit()
    adv = s["advisor"]
    where = {"assessment_id": submitted.id, "item_id": ITEM}
    page = adv.get("reviews.item", **where)
    assert page.select("form.rating-form") == [] and page.select("form.point-form") == []
    adv.post("reviews.rate", _data={"level": "3"}, _from=page, _expected_status=403, **where)
    adv.post("reviews.comment", _data={"body": "指摘"}, _from=page, _expected_status=403, **where)
    assert db.session.scalar(db.select(db.func.count(ItemRating.id))) == 0
    assert db.session.scalar(db.select(db.func.count(ReviewComment.id))) == 0


def test_viewer_and_members_are_limited(db, reviewed, make_user, add_member, client_request):
    company, submitted, owner, advisor, s = reviewed
    where = {"assessment_id": submitted.id, "item_id": ITEM}
    page = s["advisor"].get("reviews.item", **where)
    s["advisor"].post("reviews.comment", _data={"body": "指摘です"}, _from=page, **where)
    point = db.session.scalar(db.select(ReviewComment))
    viewer = make_user(email="viewer@example.jp")
    add_member(company, viewer, "viewer")
    v = client_request.new_session().login(viewer)
    vpage = v.get("reviews.item", **where)
    assert vpage.select("form.reply-form") == [] and vpage.select("form.resolve-form") == []
    reply = {"body": "返信", "parent_id": str(point.id)}
    v.post("reviews.comment", _data=reply, _from=vpage, _expected_status=403, **where)
    v.post("reviews.resolve", _from=vpage, _expected_status=403, comment_id=point.id)
    # A member answers points; a new point is the advisor's.
    own = s["owner"]
    refused = own.post(
        "reviews.comment", _data={"body": "新しい指摘"}, _expected_status=400, **where
    )
    assert refused.error_summary() == ["新しい指摘: 返信する指摘を選んでください。"]
    # Members never rate.
    own.post("reviews.rate", _data={"level": "1"}, _expected_status=403, **where)
    assert db.session.scalar(db.select(db.func.count(ReviewComment.id))) == 1
    assert db.session.scalar(db.select(db.func.count(ItemRating.id))) == 0


@pytest.mark.parametrize(
    "data, message",
    [
        ({"level": "9"}, "0〜5のレベルを選ぶか「評価しない」を選んでください。"),
        ({"level": "-1"}, "0〜5のレベルを選ぶか「評価しない」を選んでください。"),
        ({"level": "３"}, "0〜5のレベルを選ぶか「評価しない」を選んでください。"),
        ({}, "0〜5のレベルを選ぶか「評価しない」を選んでください。"),
    ],
)
def test_out_of_range_ratings_are_refused_and_nothing_is_stored(db, reviewed, data, message):
    company, submitted, owner, advisor, s = reviewed
    where = {"assessment_id": submitted.id, "item_id": ITEM}
    page = s["advisor"].post("reviews.rate", _data=data, _expected_status=400, **where)
    assert message in page.field_errors()
    assert db.session.scalar(db.select(db.func.count(ItemRating.id))) == 0


def test_tampered_comments_are_refused(db, reviewed, make_user, make_company):
    company, submitted, owner, advisor, s = reviewed
    adv = s["advisor"]
    where = {"assessment_id": submitted.id, "item_id": ITEM}
    other_item = FIRST_STEP.item_ids[1]
    adv.post(
        "reviews.comment",
        _data={"body": "別項目の指摘"},
        assessment_id=submitted.id,
        item_id=other_item,
    )
    elsewhere = db.session.scalar(db.select(ReviewComment))
    for parent, message in (
        (str(elsewhere.id), "返信先の指摘が見つかりません。"),  # a point of another item
        ("99999", "返信先の指摘が見つかりません。"),
        ("x1", "返信先の指摘が見つかりません。"),
    ):
        page = adv.post(
            "reviews.comment",
            _data={"body": "返信", "parent_id": parent},
            _expected_status=400,
            **where,
        )
        assert message in page.field_errors()
    empty = adv.post("reviews.comment", _data={"body": "  "}, _expected_status=400, **where)
    assert "コメントを入力してください。" in empty.field_errors()
    too_long = adv.post(
        "reviews.comment", _data={"body": "あ" * 2001}, _expected_status=400, **where
    )
    assert "2000文字以内で入力してください。" in too_long.field_errors()
    assert db.session.scalar(db.select(db.func.count(ReviewComment.id))) == 1
    adv.get("reviews.item", assessment_id=submitted.id, item_id="99", _expected_status=404)
    # Another company's assessment through the same pages: 404, nothing stored.
    stranger = make_user(email="stranger@example.jp")
    theirs = submitted_assessment(make_company(stranger, name="他社"), stranger, year=2025)
    adv.get("reviews.item", assessment_id=theirs.id, item_id=ITEM, _expected_status=404)
    adv.post(
        "reviews.rate",
        _data={"level": "1"},
        _from=item_url(adv, submitted),
        _expected_status=404,
        assessment_id=theirs.id,
        item_id=ITEM,
    )
    assert db.session.scalar(db.select(db.func.count(ItemRating.id))) == 0


def test_rating_on_an_earlier_answer_is_marked(db, reviewed, client):
    company, submitted, owner, advisor, s = reviewed
    draft = draft_assessment(company, owner, year=2026)
    own, adv = s["owner"], s["advisor"]
    step = {"assessment_id": draft.id, "step_id": FIRST_STEP.id}
    own.post(
        "assessments.step",
        _data=step_payload(FIRST_STEP, 1, 3, page=own.get("assessments.step", **step)),
        **step,
    )
    where = {"assessment_id": draft.id, "item_id": ITEM}
    adv.post("reviews.rate", _data={"level": "4", "evidence_checked": "y"}, **where)

    def stale_notes():
        return adv.get("reviews.item", **where).select(".stale-note")

    assert stale_notes() == []
    # Saving the step again with the same answers keeps the rating current.
    own.post(
        "assessments.step",
        _data=step_payload(FIRST_STEP, 1, 3, page=own.get("assessments.step", **step)),
        **step,
    )
    assert stale_notes() == []
    review = own.get("assessments.review", assessment_id=draft.id)
    assert "差3以上" in review.soup.get_text()
    # Editing the item marks the rating as made on an earlier answer, on both pages.
    own.post(
        "assessments.step",
        _data=step_payload(FIRST_STEP, 2, 3, page=own.get("assessments.step", **step)),
        **step,
    )
    assert len(stale_notes()) == 1
    review = own.get("assessments.review", assessment_id=draft.id)
    assert "以前の回答に対する評価" in review.soup.get_text()
    assert "差" not in " ".join(review.texts("td.review-cell .badge-warn"))
    rating = db.session.scalar(db.select(ItemRating))
    assert rating.answer_updated_at is not None
    # Rating again ties it to the new answer.
    adv.post("reviews.rate", _data={"level": "2"}, **where)
    assert stale_notes() == []


def test_after_revoke_nothing_is_visible(db, reviewed):
    company, submitted, owner, advisor, s = reviewed
    adv = s["advisor"]
    where = {"assessment_id": submitted.id, "item_id": ITEM}
    page = adv.get("reviews.item", **where)
    adv.post("reviews.comment", _data={"body": "取り消し前の指摘"}, _from=page, **where)
    point = db.session.scalar(db.select(ReviewComment))
    grant = db.session.scalar(db.select(AdvisorGrant))
    grant.revoked_at = grant.granted_at
    db.session.commit()
    adv.get("reviews.item", _expected_status=404, **where)
    adv.post("reviews.rate", _data={"level": "1"}, _from=page, _expected_status=404, **where)
    adv.post("reviews.comment", _data={"body": "x"}, _from=page, _expected_status=404, **where)
    adv.post("reviews.resolve", _from=page, _expected_status=404, comment_id=point.id)
    adv.get("advisors.client_report", company_id=company.id, _expected_status=404)
    clients = adv.get("advisors.clients")
    assert "レビュー株式会社" not in clients.soup.get_text()
    assert "取り消し前の指摘" not in adv.get("advisors.portfolio_view").soup.get_text()


def test_a_resolved_point_can_be_reopened_by_the_company_or_a_commenting_advisor(
    db, reviewed, client_request, add_member, make_user
):
    company, submitted, owner, advisor, s = reviewed
    before = company_state(db, company.id)
    adv, own = s["advisor"], s["owner"]
    where = {"assessment_id": submitted.id, "item_id": ITEM}
    page = adv.get("reviews.item", **where)
    adv.post("reviews.comment", _data={"body": "KPIの定義を確認してください"}, _from=page, **where)
    point = db.session.scalar(db.select(ReviewComment))

    def state():
        db.session.expire_all()
        return db.session.get(ReviewComment, point.id).resolved_at is not None

    # Reopening an open point changes nothing and says so.
    item_page = own.get("reviews.item", **where)
    assert item_page.select(".reopen-form") == []
    again = own.post("reviews.reopen", _from=item_page, comment_id=point.id)
    assert own.get_url(again.location).flashes("info") == ["この指摘は既に未解決です。"]

    own.post("reviews.resolve", _from=item_page, comment_id=point.id)
    assert state()
    # The advisor with comment rights reopens it (the form is on its page).
    advisor_page = adv.get("reviews.item", **where)
    assert len(advisor_page.select(".reopen-form")) == 1
    done = adv.post("reviews.reopen", _from=advisor_page, comment_id=point.id)
    assert adv.get_url(done.location).flashes("success") == ["指摘を未解決に戻しました。"]
    assert not state()
    assert "未解決" in adv.get("reviews.item", **where).text("#thread .review-point .point-meta")

    # The company resolves and reopens it again.
    own.post("reviews.resolve", _from=own.get("reviews.item", **where), comment_id=point.id)
    own.post("reviews.reopen", _from=own.get("reviews.item", **where), comment_id=point.id)
    assert not state()

    # A viewer of the company, a read-only advisor and a reply (not a point) cannot.
    own.post("reviews.resolve", _from=own.get("reviews.item", **where), comment_id=point.id)
    viewer = make_user(email="viewer@example.jp")
    add_member(company, viewer, "viewer")
    as_viewer = client_request.new_session().login(viewer)
    viewer_page = as_viewer.get("reviews.item", **where)
    assert viewer_page.select(".reopen-form") == []
    as_viewer.post("reviews.reopen", _from=viewer_page, _expected_status=403, comment_id=point.id)
    grant = db.session.scalar(db.select(AdvisorGrant))
    grant.scope = "read"
    db.session.commit()
    read_page = adv.get("reviews.item", **where)
    assert read_page.select(".reopen-form") == []
    adv.post("reviews.reopen", _from=read_page, _expected_status=403, comment_id=point.id)
    assert state()
    # Without any grant: no such company for the advisor.
    grant.revoked_at = datetime.now(UTC)
    db.session.commit()
    adv.post("reviews.reopen", _from=read_page, _expected_status=404, comment_id=point.id)
    assert state()

    assert company_state(db, company.id) == before  # answers and scores untouched
    assert events(db, company.id) == [
        "review_point_added",
        "review_point_resolved",
        "review_point_reopened",
        "review_point_resolved",
        "review_point_reopened",
        "review_point_resolved",
    ]
    log = own.get("members.audit", company_id=company.id)
    assert "解決済みの指摘を未解決に戻す" in log.soup.get_text()
