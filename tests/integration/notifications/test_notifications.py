"""Issue 11, item 10: notification mails (in-memory outbox of the log backend).

An advisor's comment mails the company's owners; a reply mails those who commented before;
each user may turn notification mails off on the account page; `flask remind-drafts` mails
owners of this year's draft before the configured end of the submission period, once."""

import pytest

from app.extensions import db as _db
from app.models import AdvisorGrant, Assessment
from app.notifications.reminders import ReminderSettingError, next_deadline, parse_deadline
from app.web.mail import outbox
from tests.integration.member_helpers import grant

ADD_COMMENT = "comments.add_comment"
COMMENT_SUBJECT = "【DX推進指標 自己診断】診断にコメントが投稿されました"
REMINDER_SUBJECT = "【DX推進指標 自己診断】提出期限が近づいています（回答中の診断があります）"


@pytest.fixture(autouse=True)
def empty_outbox(app):
    outbox().clear()
    yield
    outbox().clear()


def _mails(subject):
    return [m for m in outbox() if m["subject"] == subject]


def _comment(session, assessment, body, page_endpoint="assessments.review"):
    page = session.get(page_endpoint, assessment_id=assessment.id)
    return session.post(ADD_COMMENT, _data={"body": body}, _from=page, assessment_id=assessment.id)


@pytest.fixture()
def commenting_advisor(client, client_request, advised_company, make_user, add_member):
    owner, company, submitted, draft, advisor = advised_company
    second_owner = make_user(email="owner2@example.jp", display_name="二人目")
    add_member(company, second_owner, "owner")
    editor = make_user(email="editor@example.jp")
    add_member(company, editor, "editor")
    grant(client, company.id, advisor.email, "comment")
    outbox().clear()  # the grant's own mail, if any
    session = client_request.new_session().login(advisor)
    return owner, second_owner, editor, company, submitted, draft, advisor, session


def test_an_advisors_comment_mails_the_owners_with_a_link(app, commenting_advisor):
    owner, second_owner, editor, company, submitted, draft, advisor, a = commenting_advisor
    _comment(a, draft, "KQ1の根拠資料を添付してください。")

    mails = _mails(COMMENT_SUBJECT)
    assert sorted(m["to"] for m in mails) == sorted([owner.email, second_owner.email])  # no editor
    body = mails[0]["body"]
    who = "「支援 花子」（「大阪商工会議所」） さん"
    assert f"「支援先株式会社」 の2026年度の自己診断に、{who}" in body
    base = app.config.get("PUBLIC_BASE_URL") or "http://localhost"
    assert f"{base}/assessments/{draft.id}/review#comments" in body.split()
    assert f"{base}/account" in body.split()
    assert "KQ1の根拠資料" not in body  # the mail links to the comment, it does not carry it

    outbox().clear()
    _comment(a, submitted, "提出お疲れさまでした。", page_endpoint="assessments.results")
    links = [w for m in _mails(COMMENT_SUBJECT) for w in m["body"].split() if "#comments" in w]
    assert links == [f"{base}/assessments/{submitted.id}/results#comments"] * 2


def test_a_reply_mails_the_earlier_commenter_not_the_author(client_request, commenting_advisor):
    owner, second_owner, editor, company, submitted, draft, advisor, a = commenting_advisor
    _comment(a, draft, "質問があります。")
    outbox().clear()

    editor_session = client_request.new_session().login(editor)
    _comment(editor_session, draft, "回答します。")
    assert [m["to"] for m in _mails(COMMENT_SUBJECT)] == [advisor.email]

    # The advisor answers: owners are mailed, and so is the editor who commented before.
    outbox().clear()
    _comment(a, draft, "ありがとうございます。")
    assert sorted(m["to"] for m in _mails(COMMENT_SUBJECT)) == sorted(
        [owner.email, second_owner.email, editor.email]
    )


def test_a_member_comment_without_earlier_comments_mails_nobody(client_request, advised_company):
    owner, company, submitted, draft, advisor = advised_company
    _comment(client_request, draft, "自分用のメモ")
    assert _mails(COMMENT_SUBJECT) == []


def test_a_revoked_advisor_is_not_told_of_replies(client, client_request, commenting_advisor):
    owner, second_owner, editor, company, submitted, draft, advisor, a = commenting_advisor
    _comment(a, draft, "質問があります。")
    row = _db.session.scalar(_db.select(AdvisorGrant).where(AdvisorGrant.company_id == company.id))
    _db.session.delete(row)  # the owner withdrew the advisor's access
    _db.session.commit()
    outbox().clear()
    _comment(client_request, draft, "回答します。")  # the owner, logged in through `client`
    assert _mails(COMMENT_SUBJECT) == []


def test_owners_can_turn_notifications_off_and_on(client_request, commenting_advisor, db):
    owner, second_owner, editor, company, submitted, draft, advisor, a = commenting_advisor
    account = client_request.get("account.index")
    assert account.field_value("notify_by_mail") == "y"
    response = client_request.post("account.notifications", _data={}, _from=account)
    assert response.location.endswith("/account")
    page = client_request.get("account.index")
    assert page.flashes("success") == [
        "通知メールを停止しました（パスワード再設定などのメールは届きます）。"
    ]
    assert page.field_value("notify_by_mail") is None
    db.session.refresh(owner)
    assert owner.notify_by_mail is False

    _comment(a, draft, "ご確認ください。")
    assert [m["to"] for m in _mails(COMMENT_SUBJECT)] == [second_owner.email]

    client_request.post("account.notifications", _data={"notify_by_mail": "y"}, _from=page)
    db.session.refresh(owner)
    assert owner.notify_by_mail is True


def test_a_tampered_checkbox_is_refused_and_changes_nothing(client_request, advised_company, db):
    owner = advised_company[0]
    account = client_request.get("account.index")
    page = client_request.post(
        "account.notifications",
        _data={"notify_by_mail": "false"},
        _from=account,
        _expected_status=400,
    )
    assert page.select_one("#notifications .error").get_text() == (
        "チェックボックスの値が正しくありません。"
    )
    db.session.refresh(owner)
    assert owner.notify_by_mail is True


# -- flask remind-drafts ----------------------------------------------------------------------


@pytest.fixture()
def remind(app):
    runner = app.test_cli_runner()

    def invoke(*args, deadline="10-31", days=30):
        app.config.update(SUBMISSION_DEADLINE=deadline, DRAFT_REMINDER_DAYS=days)
        try:
            return runner.invoke(args=["remind-drafts", *args])
        finally:
            app.config.update(SUBMISSION_DEADLINE=None, DRAFT_REMINDER_DAYS=30)

    return invoke


def test_owners_of_this_years_draft_are_reminded_once(app, remind, advised_company, make_user):
    owner, company, submitted, draft, advisor = advised_company  # draft: FY2026, April start
    result = remind("--today", "2026-09-30")  # 31 days before: not yet
    assert result.exit_code == 0, result.output
    assert "deadline 2026-10-31: sent 0 reminder mails for 0 draft assessments" in result.output
    assert _mails(REMINDER_SUBJECT) == []

    result = remind("--today", "2026-10-01", "--dry-run")
    assert "would send 1 reminder mails for 1 draft assessments" in result.output
    assert _mails(REMINDER_SUBJECT) == []

    result = remind("--today", "2026-10-01")
    assert "sent 1 reminder mails for 1 draft assessments" in result.output
    (mail,) = _mails(REMINDER_SUBJECT)
    assert mail["to"] == owner.email
    assert "「支援先株式会社」 の2026年度の自己診断は、まだ提出されていません" in mail["body"]
    assert "2026年10月31日" in mail["body"]
    base = app.config.get("PUBLIC_BASE_URL") or "http://127.0.0.1:5000"
    assert f"{base}/assessments/{draft.id}" in mail["body"].split()

    outbox().clear()
    result = remind("--today", "2026-10-15")  # the next day's run: already reminded
    assert "sent 0 reminder mails" in result.output and _mails(REMINDER_SUBJECT) == []


def test_submitted_past_and_opted_out_are_not_reminded(remind, advised_company, db):
    owner, company, submitted, draft, advisor = advised_company
    owner.notify_by_mail = False
    db.session.commit()
    result = remind("--today", "2026-10-20")
    assert "sent 0 reminder mails for 1 draft assessments" in result.output

    owner.notify_by_mail = True
    draft.status = "submitted"
    db.session.commit()
    # A draft of an earlier year (history entered afterwards) has no deadline.
    db.session.add(Assessment(company_id=company.id, fiscal_year=2024, index_version="2019-07"))
    db.session.commit()
    result = remind("--today", "2026-10-20")
    assert "sent 0 reminder mails for 0 draft assessments" in result.output
    assert _mails(REMINDER_SUBJECT) == []


def test_without_a_deadline_setting_the_command_says_what_to_set(remind, advised_company):
    result = remind("--today", "2026-10-20", deadline=None)
    assert result.exit_code != 0
    assert "SUBMISSION_DEADLINE is not set" in result.output
    result = remind("--today", "2026-10-20", deadline="31-10")
    assert result.exit_code != 0 and "must be MM-DD" in result.output
    assert _mails(REMINDER_SUBJECT) == []


def test_deadline_arithmetic():
    from datetime import date

    assert parse_deadline("10-31") == (10, 31)
    assert next_deadline(date(2026, 11, 1), 10, 31) == date(2027, 10, 31)
    assert next_deadline(date(2026, 10, 31), 10, 31) == date(2026, 10, 31)
    assert next_deadline(date(2026, 1, 1), 2, 29) == date(2026, 2, 28)
    with pytest.raises(ReminderSettingError):
        parse_deadline("13-01")


# -- each mail in its recipient's language ----------------------------------------------------

COMMENT_SUBJECT_EN = "[DX Promotion Index self-assessment] A comment was posted on your assessment"
REMINDER_SUBJECT_EN = (
    "[DX Promotion Index self-assessment] The submission deadline is approaching "
    "(an assessment is still in progress)"
)


def test_a_comment_mail_follows_each_recipients_language_not_the_authors(commenting_advisor, db):
    owner, second_owner, editor, company, submitted, draft, advisor, a = commenting_advisor
    owner.preferred_locale = "en"
    db.session.commit()
    page = a.get("assessments.review", assessment_id=draft.id, lang="ja")  # the author: Japanese
    a.post(ADD_COMMENT, _data={"body": "確認お願いします"}, _from=page, assessment_id=draft.id)

    (english,) = _mails(COMMENT_SUBJECT_EN)
    assert english["to"] == owner.email
    assert english["body"].startswith("「支援 花子」")  # a name stays as typed
    assert "posted a comment on the FY2026 self-assessment of 「支援先株式会社」" in english["body"]
    (japanese,) = _mails(COMMENT_SUBJECT)
    assert japanese["to"] == second_owner.email  # no choice made: Japanese
    assert "コメントを投稿しました" in japanese["body"]


def test_a_comment_mail_to_a_japanese_reader_stays_japanese_when_the_author_uses_english(
    commenting_advisor,
):
    owner, second_owner, editor, company, submitted, draft, advisor, a = commenting_advisor
    page = a.get("assessments.review", assessment_id=draft.id, lang="en")
    a.post(ADD_COMMENT, _data={"body": "Please check"}, _from=page, assessment_id=draft.id)
    assert sorted(m["to"] for m in _mails(COMMENT_SUBJECT)) == sorted(
        [owner.email, second_owner.email]
    )
    assert _mails(COMMENT_SUBJECT_EN) == []


def test_the_draft_reminder_follows_the_owners_language(remind, advised_company, db):
    owner, company, submitted, draft, advisor = advised_company
    owner.preferred_locale = "en"
    db.session.commit()
    result = remind("--today", "2026-10-01")
    assert "sent 1 reminder mails" in result.output
    (mail,) = _mails(REMINDER_SUBJECT_EN)
    assert mail["to"] == owner.email
    assert "has not been submitted yet" in mail["body"]
    assert "2026-10-31" in mail["body"]
    assert _mails(REMINDER_SUBJECT) == []
