"""Texts made in Python (flash messages, validation errors, error pages, audit-log labels) are
English when the page is asked for in English (`?lang=en`) and Japanese with `?lang=ja`. The
choice is remembered (cookie or account, see test_language.py), so the Japanese half of each
test switches back explicitly."""

from app.models import Membership
from tests.integration.helpers import TINY, step_payload
from tests.integration.kpi_helpers import make_indicator

STEP = TINY.steps[0]
SQ = STEP.item_ids[1]


def _step_url(client_request, assessment, **query):
    return client_request.url(
        "assessments.step", assessment_id=assessment.id, step_id=STEP.id, **query
    )


def _save_and_exit(client_request, assessment, **query):
    url = _step_url(client_request, assessment, **query)
    page = client_request.get_url(url)
    data = step_payload(STEP, 2, 3, page=page, nav="save_exit")
    return client_request.post_url(url, _data=data, _follow_redirects=True, _expected_status=200)


def test_flash_after_saving_a_step(client_request, owner_with_tiny_assessment):
    _, _, assessment = owner_with_tiny_assessment
    page = _save_and_exit(client_request, assessment, lang="en")
    assert page.flashes("success") == ["Saved. You can continue at any time."]
    page = _save_and_exit(client_request, assessment, lang="ja")
    assert page.flashes("success") == ["保存しました。続きはいつでも再開できます。"]


def _post_level(client_request, assessment, level, **query):
    url = _step_url(client_request, assessment, **query)
    page = client_request.get_url(url)
    data = step_payload(STEP, 2, 3, page=page)
    data[f"item-{SQ}-current"] = level
    return client_request.post_url(url, _data=data, _expected_status=400)


def test_out_of_range_level_on_a_step(client_request, owner_with_tiny_assessment):
    _, _, assessment = owner_with_tiny_assessment
    page = _post_level(client_request, assessment, "6", lang="en")
    assert page.field_errors() == ["Choose a level from 0 to 5."]
    assert page.error_summary() == [
        "There are errors in your input. Check the message for each item."
    ]
    page = _post_level(client_request, assessment, "6", lang="ja")
    assert page.field_errors() == ["0〜5のレベルから選択してください。"]
    assert page.error_summary() == [
        "入力内容にエラーがあります。各項目のメッセージを確認してください。"
    ]


def test_not_found_page(client_request):
    page = client_request.get_url("/no-such-page?lang=en", _expected_status=404)
    assert page.h1 == "Page not found."
    page = client_request.get_url("/no-such-page?lang=ja", _expected_status=404)
    assert page.h1 == "ページが見つかりません。"


def test_forbidden_page(client_request, db, make_user, make_company):
    owner = make_user(email="owner-en@example.jp")
    company = make_company(owner)
    client_request.login_as("editor", company=company)
    members = client_request.url("members.index", company_id=company.id)
    page = client_request.get_url(members + "?lang=en", _expected_status=403)
    assert page.h1 == "You do not have permission to do this."
    page = client_request.get_url(members + "?lang=ja", _expected_status=403)
    assert page.h1 == "この操作を行う権限がありません。"
    assert db.session.query(Membership).filter_by(company_id=company.id).count() == 2


def test_audit_log_labels(client_request, db, make_user, make_company, login):
    owner = make_user(email="owner-log@example.jp")
    company = make_company(owner, name="ラベル確認株式会社")
    make_indicator(company, owner, name="DX人材の数")
    login(owner.email)
    page = client_request.get("members.audit", company_id=company.id, lang="en")
    _header, *rows = page.table()
    assert [row[1:3] for row in rows] == [["Created a quantitative indicator (KPI)", "DX人材の数"]]
    page = client_request.get("members.audit", company_id=company.id, lang="ja")
    _header, *rows = page.table()
    assert [row[1:3] for row in rows] == [["定量指標を作成", "DX人材の数"]]


def test_an_unknown_language_falls_back_to_japanese(client_request):
    page = client_request.get_url("/no-such-page?lang=xx", _expected_status=404)
    assert page.h1 == "ページが見つかりません。"
