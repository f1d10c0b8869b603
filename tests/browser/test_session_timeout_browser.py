"""The idle-timeout warning appears before expiry and "continue" extends the session."""

import pytest

from tests.browser.axe import assert_axe_clean
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture()
def short_idle(app):
    app.config.update(SESSION_IDLE_SECONDS=10, SESSION_WARNING_SECONDS=8)
    yield
    app.config.update(SESSION_IDLE_SECONDS=1800, SESSION_WARNING_SECONDS=120)


def test_warning_then_extend_keeps_the_user_signed_in(live_server, page, make_user, short_idle):
    user = make_user(email="idle@example.jp")
    page.goto(live_server + "/login")
    assert_axe_clean(page)
    page.get_by_label("メールアドレス").fill(user.email)
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    assert_axe_clean(page)
    page.goto(live_server + "/account")
    warning = page.locator("#session-warning")
    assert warning.is_hidden()
    warning.wait_for(state="visible", timeout=6000)  # shown about 2 s after load
    assert "まもなく自動的にログアウトします" in warning.inner_text()
    assert_axe_clean(page)  # with the warning shown
    page.get_by_role("button", name="ログインを継続する").click()
    warning.wait_for(state="hidden", timeout=3000)
    page.wait_for_timeout(8500)  # past the original 10 s expiry, within the extended one
    page.goto(live_server + "/account")
    assert page.url.endswith("/account")  # still signed in
    assert user.email in page.content()
