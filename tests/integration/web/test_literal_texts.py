"""The templates' literal texts (`_('…')` without variables) are looked up in the current
catalogue's remembered texts (app/web/locale_cache.py) instead of translated on every use:
the same Markup as the call they replace, in the language of the moment (a request's, or a
mail's inside `in_language`), in a page's own templates and in imported macros alike."""

import pytest
from babel.messages.pofile import read_po
from bs4 import BeautifulSoup
from flask import render_template_string
from markupsafe import Markup

from app.web import locale_cache
from app.web.locale import in_language
from tests.catalogues import TRANSLATIONS

TEMPLATE_CATALOGUE = TRANSLATIONS / "templates" / "en" / "LC_MESSAGES" / "messages.po"


def template_msgids() -> list[str]:
    with TEMPLATE_CATALOGUE.open("rb") as po_file:
        catalogue = read_po(po_file)
    # (texts with %(name)s placeholders are always called with their variables)
    return [m.id for m in catalogue if m.id and isinstance(m.id, str) and "%(" not in m.id]


def test_literal_calls_are_rewritten_and_variable_calls_are_not(app):
    literal = app.jinja_env.compile("{{ _('ログアウト') }}", raw=True)
    with_variables = app.jinja_env.compile("{{ _('%(n)s 件', n=3) }}", raw=True)
    assert "_literal_texts" in literal and "'ログアウト'" in literal
    assert "_literal_texts" not in with_variables
    mail = app.jinja_env.loader.get_source(app.jinja_env, "members/invitation_mail.txt")[0]
    assert "_literal_texts" not in app.jinja_env.compile(mail, "invitation_mail.txt", raw=True)


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_every_template_text_gives_what_the_call_gave(app, lang):
    """For each msgid of the templates' catalogue: the rewritten literal call (looked up in the
    remembered texts, through the page's context and through the globals only, as in an
    imported macro) renders exactly as the translating call `_(text)` it replaces."""
    msgids = template_msgids()
    assert len(msgids) > 500
    rewritten = "\x00".join("{{ _(%r) }}" % m for m in msgids)  # noqa: UP031 - Jinja literals
    translated = "{% for m in msgids %}{{ _(m) }}{% if not loop.last %}\x00{% endif %}{% endfor %}"
    with app.test_request_context(f"/?lang={lang}"):
        via_context = render_template_string(rewritten)
        via_globals = app.jinja_env.from_string(rewritten).render()  # no context processors
        expected = render_template_string(translated, msgids=msgids)
    assert via_context.split("\x00") == expected.split("\x00")
    assert via_globals == via_context
    if lang == "en":
        assert "Log out" in via_context.split("\x00")


def test_the_texts_follow_the_language_within_a_request(app):
    """A mail rendered in another language inside a request (in_language) gets that language's
    texts; after it, the request's language again."""
    macro = "{% macro m() %}{{ _('ログアウト') }}{% endmacro %}"
    page = "{% import 'm.html' as mm %}{{ _('ログアウト') }}|{{ mm.m() }}"
    loader = app.jinja_env.loader
    from jinja2 import ChoiceLoader, DictLoader

    app.jinja_env.loader = ChoiceLoader([loader, DictLoader({"m.html": macro, "p.html": page})])
    try:
        with app.test_request_context("/?lang=en"):
            from flask import render_template

            assert render_template("p.html") == "Log out|Log out"
            with in_language("ja"):
                assert render_template("p.html") == "ログアウト|ログアウト"
            assert render_template("p.html") == "Log out|Log out"
    finally:
        app.jinja_env.loader = loader


def test_a_page_in_both_languages(client_request, make_user, login):
    """The header's literal texts on a signed-in page, English then Japanese then English
    again in one worker (one cache per catalogue)."""
    user = make_user()
    login(user.email)

    def logout_text(lang):
        page = client_request.get("account.index", lang=lang)
        return page.select_one("form[action$='/logout'] button").get_text(strip=True)

    assert logout_text("en") == "Log out"
    assert logout_text("ja") == "ログアウト"
    assert logout_text("en") == "Log out"


class _Catalogue:
    def __init__(self, texts):
        self.texts = texts

    def ugettext(self, string):
        return self.texts.get(string, string)


def test_texts_are_kept_per_catalogue_and_bounded():
    first = _Catalogue({"a": "A <b>", "p": "100%%"})
    second = _Catalogue({"a": "Ä"})
    texts = locale_cache.texts_of(first, 2)
    assert texts["a"] == Markup("A <b>") and isinstance(texts["a"], Markup)
    assert texts["p"] == "100%"  # Jinja's newstyle gettext formats every text with %
    assert texts["z"] == "z"  # past the bound: translated, not kept
    assert set(texts) == {"a", "p"}
    assert locale_cache.texts_of(first, 2) is texts
    assert locale_cache.texts_of(second, 2)["a"] == "Ä"  # another catalogue: its own texts
    first.texts["a"] = "changed"
    assert locale_cache.texts_of(_Catalogue(first.texts), 2)["a"] == "changed"  # reloaded


def test_autoescaping_of_the_surroundings_is_unchanged(app):
    with app.test_request_context("/?lang=en"):
        html = render_template_string("<p title=\"{{ _('ログアウト') }}\">{{ v }}</p>", v="<x>")
    assert BeautifulSoup(html, "html.parser").p["title"] == "Log out"
    assert "&lt;x&gt;" in html
