"""Issue 11, item 8: the English UI. Japanese is the default; `?lang=` chooses (remembered on
the account when signed in, in a cookie otherwise), then Accept-Language; only ja and en."""

import pathlib

import pytest

from tests.pages import Page

ROOT = pathlib.Path(__file__).resolve().parents[3]


@pytest.fixture(autouse=True, scope="module")
def _compiled_catalogues():
    """The pages are English only with the compiled catalogues (make test builds them)."""
    for po in ROOT.glob("translations/*/*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        assert mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime, (
            f"{mo.relative_to(ROOT)} is missing or older than its .po: run `make translations`"
        )


def html_lang(page: Page) -> str:
    return page.find("html")["lang"]


def switch(page: Page) -> dict[str, dict]:
    """The header's language switch: code -> {text, href (None for the current one), lang}."""
    links = {}
    for item in page.select("nav.lang-switch li"):
        el = item.find(["a", "span"])
        links[el["lang"]] = {
            "text": el.get_text(strip=True),
            "href": el.get("href"),
            "current": el.get("aria-current") == "true",
        }
    return links


def test_japanese_is_the_default(client_request):
    page = client_request.get("auth.login")
    assert page.h1 == "ログイン"
    assert html_lang(page) == "ja"
    links = switch(page)
    assert links["ja"] == {"text": "日本語", "href": None, "current": True}
    assert links["en"]["text"] == "English" and not links["en"]["current"]
    assert links["en"]["href"] == "/login?lang=en"


@pytest.mark.parametrize(
    ("endpoint", "h1"),
    [
        ("auth.login", "Log in"),
        ("auth.signup", "Sign up"),
        ("account.forgot_password", "Reset password"),
        ("help.glossary", "Glossary"),
        ("help.team", "Running the self-assessment as a team"),
    ],
)
def test_lang_en_gives_english_pages(client_request, endpoint, h1):
    page = client_request.get_url(client_request.url(endpoint) + "?lang=en")
    assert page.h1 == h1
    assert html_lang(page) == "en"
    assert page.title.startswith(h1)
    assert page.title.endswith("DX Promotion Index Self-Assessment")
    assert switch(page)["en"]["current"]


def test_signed_in_pages_in_english(client_request, make_company):
    owner = client_request.login_as("member", display_name="Yamada")
    mine = client_request.get_url("/companies/?lang=en")  # no company yet: the list
    assert mine.h1 == "Companies"
    assert [a.get_text() for a in mine.select(".user-nav a")] == ["Companies", "Account"]
    assert mine.select_one(".user-nav button").get_text(strip=True) == "Log out"
    company = make_company(owner)
    dashboard = client_request.get("companies.dashboard", company_id=company.id)
    assert dashboard.h1 == company.name  # data stays as entered
    assert [h.get_text() for h in dashboard.select("h2")][:2] == [
        "Company information",
        "DX Promotion Index Self-Assessment",
    ]
    assert client_request.get("account.index").h1 == "Account"


def test_official_index_texts_stay_japanese_in_english(client_request, app):
    from questionnaires import load_index

    levels = load_index(app.config["INDEX_VERSION"]).levels
    rows = client_request.get_url("/help/glossary?lang=en").table("dl.glossary table")
    assert rows[0] == ["Level", "Name", "Guide"]
    assert rows[1:] == [[str(lv.value), lv.name, lv.description] for lv in levels]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("en", "Log in"),
        ("en-US,en;q=0.9,ja;q=0.5", "Log in"),
        ("ja,en;q=0.8", "ログイン"),
        ("fr-FR,de;q=0.9", "ログイン"),  # no supported language: the default
    ],
)
def test_accept_language(client, header, expected):
    page = Page(client.get("/login", headers={"Accept-Language": header}))
    assert page.h1 == expected


def test_anonymous_choice_is_kept_in_a_cookie(client):
    first = client.get("/login?lang=en")
    cookie = next(c for c in first.headers.getlist("Set-Cookie") if c.startswith("lang="))
    assert cookie.startswith("lang=en;") and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    # The next pages, without ?lang and with a Japanese browser, stay English.
    page = Page(client.get("/help/team", headers={"Accept-Language": "ja"}))
    assert page.h1 == "Running the self-assessment as a team"
    back = Page(client.get("/help/team?lang=ja"))
    assert back.h1 == "チームで自己診断を進めるには"
    assert Page(client.get("/login", headers={"Accept-Language": "en"})).h1 == "ログイン"


@pytest.mark.parametrize("value", ["xx", "EN", "en-US", "<script>", ""])
def test_invalid_lang_values_are_ignored(client, value):
    response = client.get("/login", query_string={"lang": value})
    assert Page(response).h1 == "ログイン"
    assert not any(c.startswith("lang=") for c in response.headers.getlist("Set-Cookie"))
    # Nor do they undo an earlier choice.
    client.get("/login?lang=en")
    assert Page(client.get("/login", query_string={"lang": value})).h1 == "Log in"


def test_switch_keeps_the_page_and_its_query(client_request):
    page = client_request.get_url("/help/glossary?x=1&lang=en&y=%E6%97%A5")
    links = switch(page)
    assert links["ja"]["href"] == "/help/glossary?x=1&y=%E6%97%A5&lang=ja"
    assert links["en"]["href"] is None


def test_the_signed_in_users_choice_is_stored_and_follows_them(client_request, app):
    from app.extensions import db
    from app.models import User

    user = client_request.login_as("member")
    assert user.preferred_locale is None
    assert client_request.get_url("/account?lang=en").h1 == "Account"
    db.session.expire_all()
    assert db.session.get(User, user.id).preferred_locale == "en"

    # Another browser (no cookie, a Japanese Accept-Language): English after logging in.
    other = client_request.new_session()
    other.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "ja"
    assert other.get("auth.login").h1 == "ログイン"
    other.login(user)
    assert other.get("account.index").h1 == "Account"

    # Switching back is stored as well.
    assert other.get_url("/account?lang=ja").h1 == "アカウント"
    db.session.expire_all()
    assert db.session.get(User, user.id).preferred_locale == "ja"
    third = client_request.new_session()
    third.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    third.login(user)
    assert third.get("account.index").h1 == "アカウント"  # the account's choice beats the browser


def test_a_choice_made_before_logging_in_is_kept_on_the_account(client_request, make_user):
    from app.extensions import db
    from app.models import User

    user = make_user(email="chooser@example.jp")
    assert client_request.get_url("/login?lang=en").h1 == "Log in"
    client_request.login(user)
    assert client_request.get("account.index").h1 == "Account"
    db.session.expire_all()
    assert db.session.get(User, user.id).preferred_locale == "en"


def test_the_language_of_the_login_page_carries_on_after_logging_in(client_request, make_user, db):
    """The account said Japanese, but English was chosen in this browser before logging in:
    the person keeps reading English, and it becomes the account's choice."""
    from app.models import User

    user = make_user(email="chosen@example.jp")
    user.preferred_locale = "ja"
    db.session.commit()
    assert client_request.get_url("/login?lang=en").h1 == "Log in"
    client_request.login(user)
    assert client_request.get("account.index").h1 == "Account"
    db.session.expire_all()
    assert db.session.get(User, user.id).preferred_locale == "en"
