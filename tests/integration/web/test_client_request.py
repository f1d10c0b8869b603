"""The `client_request` fixture and its parsed pages (tests/pages.py) do what the tests rely on:
endpoints resolve, the expected status is enforced, posts carry the page's CSRF token, and the
readers return what a person sees."""

import pytest

from tests.pages import Page


def test_get_by_endpoint_parses_the_page(client_request):
    page = client_request.get("auth.login")
    assert page.h1 == "ログイン"
    assert page.title == "ログイン | DX推進指標 自己診断"
    assert page.field_value("email") == ""
    assert page.csrf_token


def test_the_expected_status_is_enforced(client_request):
    with pytest.raises(AssertionError, match="200, not 404"):
        client_request.get("auth.login", _expected_status=404)
    page = client_request.get("companies.mine", _expected_status=302)
    assert page.location.startswith("/login")
    with pytest.raises(AssertionError, match="went to"):
        client_request.get("companies.mine", _expected_status=302, _expected_redirect="/")


def test_a_refused_post_shows_the_error_summary_and_keeps_the_input(client_request, make_user):
    make_user(email="someone@example.jp")
    page = client_request.post(
        "auth.login",
        _data={"email": "someone@example.jp", "password": "wrong password"},
        _expected_status=200,
    )
    assert page.error_summary(), "a wrong password is reported"
    assert page.field_value("email") == "someone@example.jp"
    assert page.field_value("password") == ""


def test_post_carries_the_pages_token(client_request, app):
    """The token really comes from the page: the same post with a wrong token is a 400."""
    data = {"email": "x@example.jp", "password": "x"}
    client_request.post("auth.login", _data=data, _expected_status=200)
    client_request.post(
        "auth.login", _data={**data, "csrf_token": "not-a-token"}, _expected_status=400
    )


def test_login_as_a_role_and_read_flashes_and_tables(client_request, make_company):
    admin = client_request.login_as("admin")
    page = client_request.get("admin.users")
    rows = page.table()
    assert rows[0][0]  # a header row
    assert any(admin.email in cell for row in rows[1:] for cell in row)

    owner_session = client_request.new_session()
    company = make_company(None, name="表株式会社")
    owner_session.login_as("owner", company=company)
    dashboard = owner_session.get("companies.dashboard", company_id=company.id)
    assert "表株式会社" in dashboard.h1
    assert client_request.get("admin.users").h1 == page.h1  # the first session is unchanged


def test_readers_on_a_hand_made_page():
    class Response:
        status_code = 200
        headers = {}

        def get_data(self, as_text):
            return """<title>T</title><h1> 見出し
              です </h1>
            <div class="flash flash-success">保存しました。</div>
            <div class="flash flash-error">失敗</div>
            <div class="error-summary"><ul><li>名前: 必須です。</li><li>年: 数字</li></ul></div>
            <div class="error-summary"><p>この招待は使えません</p></div>
            <table><tr><th>a</th><th>b</th></tr><tr><td>1</td><td> 2 </td></tr></table>
            <textarea name="t">
行1
行2</textarea>
            <select name="s"><option value="x">X</option>
              <option value="y" selected>Y</option></select>
            <input type="radio" name="r" value="1"><input type="radio" name="r" value="2" checked>
            <input type="radio" name="none" value="1">
            <textarea name="w">\r\n\r\nx</textarea>"""

    page = Page(Response())
    assert page.h1 == "見出し です"
    assert page.flashes() == ["保存しました。", "失敗"]
    assert page.flashes("error") == ["失敗"]
    assert page.error_summary() == ["名前: 必須です。", "年: 数字", "この招待は使えません"]
    assert page.table() == [["a", "b"], ["1", "2"]]
    assert page.field_value("t") == "行1\n行2"
    assert page.field_value("w") == "\r\nx"  # only the first line break is markup
    assert page.field_value("s") == "y"
    assert page.field_value("r") == "2"
    assert page.field_value("none") is None
    with pytest.raises(AssertionError, match="no form field"):
        page.field_value("missing")
