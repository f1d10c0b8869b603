"""Which language a page is shown in (Japanese by default, English on request).

Order: `?lang=` on the request (remembered), the signed-in user's stored choice, the cookie
of a visitor who is not signed in, the browser's Accept-Language, then Japanese. Only the
languages with a catalogue are accepted; any other `lang` value is ignored.
"""

from contextlib import contextmanager
from urllib.parse import urlencode

from flask import current_app, g, has_request_context, request
from flask_babel import Domain, force_locale
from flask_login import current_user
from jinja2 import pass_eval_context
from jinja2.ext import Extension
from jinja2.lexer import Token
from markupsafe import Markup

from app.extensions import db
from app.web import locale_cache

SUPPORTED = ("ja", "en")
DEFAULT = "ja"
COOKIE = "lang"
COOKIE_MAX_AGE = 365 * 24 * 3600
# Shown in the switch in their own language, so a reader who cannot read the current one
# still finds theirs.
NAMES = {"ja": "日本語", "en": "English"}


class _ContextDomain(Domain):
    """flask_babel's message domain, with the catalogue found once per request (or app context)
    and kept on flask.g. flask_babel looks it up again for every string (nine look-ups through
    flask.g's proxy and the locale's name built anew: ~0.1 ms on this machine, while a results
    page translates ~200 strings). The locale changes within a request only through
    ``in_language()`` below, which sets the kept catalogue aside for its duration."""

    def get_translations(self):
        try:
            return g._catalogue
        except AttributeError:  # first string of this context
            catalogue = g._catalogue = super().get_translations()
            return catalogue
        except RuntimeError:  # no app context: flask_babel's own answer (no catalogue)
            return super().get_translations()


@contextmanager
def in_language(code: str):
    """Translate in ``code`` for the duration (a mail to someone who chose another language):
    flask_babel's force_locale, plus the per-request catalogue above set aside and restored."""
    try:
        kept = g.pop("_catalogue", None)
    except RuntimeError:  # no app context: nothing is translated anyway
        yield
        return
    try:
        with force_locale(code):
            yield
    finally:
        g.pop("_catalogue", None)
        if kept is not None:
            g._catalogue = kept


def _install_domain(app) -> None:
    """Python's gettext/lazy_gettext (through flask_babel.get_domain) and the templates' _()
    use the domain above; the templates call it directly (no get_domain look-ups)."""
    from app.extensions import babel

    domain = vars(babel).get("domain_instance")  # (a cached_property: unset until first used)
    if not isinstance(domain, _ContextDomain):
        domain = babel.domain_instance = _ContextDomain(
            domain=app.extensions["babel"].default_domain
        )
    catalogue = domain.get_translations
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: catalogue().ugettext(s),
        ngettext=lambda s, p, n: catalogue().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: catalogue().upgettext(c, s),
        npgettext=lambda c, s, p, n: catalogue().unpgettext(c, s, p, n),
    )

    @pass_eval_context
    def template_gettext(eval_ctx, string, /, **variables):
        """Jinja's newstyle `_` in one call (Jinja's own passes through three `Context.call`s,
        ~3/4 of a translated string's cost): the same result, escaped variables and all."""
        text = catalogue().ugettext(string)
        if eval_ctx.autoescape:
            text = Markup(text)  # noqa: S704 - the catalogue, as Jinja itself trusts it
        return text % variables if variables or "%" in text else text

    app.jinja_env.globals["_"] = template_gettext
    texts = app.jinja_env.globals[_TEXTS] = _LiteralTexts(
        catalogue, app.config["TEMPLATE_TEXT_CACHE_SIZE"]
    )
    app.jinja_env.add_extension(_LiteralTextCalls)

    @app.context_processor
    def literal_texts():
        return {_TEXTS: texts.current()}


_TEXTS = "_literal_texts"


class _LiteralTexts:
    """``_literal_texts['…']`` where only the globals are seen (macros of an imported
    template): the current catalogue's remembered texts (app/web/locale_cache.py). A page's
    own templates get the texts themselves from ``literal_texts`` below, one look-up less."""

    def __init__(self, catalogue, limit: int):
        self._catalogue = catalogue
        self._limit = limit

    def __getitem__(self, string: str) -> Markup:
        return self.current()[string]

    def current(self) -> locale_cache.Texts:
        return locale_cache.texts_of(self._catalogue(), self._limit)


class _LiteralTextCalls(Extension):
    """Rewrites ``_('literal')`` (one literal text, no variables) in autoescaped templates as
    ``_literal_texts['literal']`` when a template is compiled: the same Markup, looked up in
    the catalogue's remembered texts instead of translated, marked safe and formatted again on
    every use (~5 µs each through a Jinja call; a page has 20-140 of them). Calls with
    variables, or in templates without autoescaping (mails), are left as they are."""

    def filter_stream(self, stream):
        autoescape = self.environment.autoescape
        if callable(autoescape):
            autoescape = autoescape(stream.name)
        tokens = list(stream)
        if not autoescape:
            return iter(tokens)
        out = []
        i = 0
        while i < len(tokens):
            t = tokens[i]
            if (
                t.type == "name"
                and t.value == "_"
                and i + 3 < len(tokens)
                and tokens[i + 1].type == "lparen"
                and tokens[i + 2].type == "string"
                and tokens[i + 3].type == "rparen"
                and not (out and out[-1].type == "dot")
            ):
                out += [
                    Token(t.lineno, "name", _TEXTS),
                    Token(t.lineno, "lbracket", "["),
                    tokens[i + 2],
                    Token(t.lineno, "rbracket", "]"),
                ]
                i += 4
                continue
            out.append(t)
            i += 1
        return iter(out)


def _requested() -> str | None:
    value = request.args.get("lang", "")
    return value if value in SUPPORTED else None


def select_locale() -> str:
    # Lazy strings may be rendered with only an app context (CLI, mails from a timer, tests).
    if not has_request_context():
        return DEFAULT
    choice = getattr(g, "lang_choice", None) or _requested()
    if choice:
        return choice
    if current_user and current_user.is_authenticated:
        stored = getattr(current_user, "preferred_locale", None)
        if stored in SUPPORTED:
            return stored
    cookie = request.cookies.get(COOKIE)
    if cookie in SUPPORTED:
        return cookie
    return request.accept_languages.best_match(SUPPORTED) or DEFAULT


def _remember_choice() -> None:
    """`?lang=` on any page stores the choice: on the account when signed in, else a cookie."""
    choice = _requested()
    if not choice or request.path.startswith("/api/"):
        return
    g.lang_choice = choice
    if current_user.is_authenticated and current_user.preferred_locale != choice:
        current_user.preferred_locale = choice
        db.session.commit()


def _set_cookie(response):
    choice = getattr(g, "lang_choice", None)
    if choice and request.cookies.get(COOKIE) != choice:
        response.set_cookie(
            COOKIE,
            choice,
            max_age=COOKIE_MAX_AGE,
            httponly=True,
            samesite="Lax",
            secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
        )
    return response


def _adopt_cookie_choice(_app, user, **_extra) -> None:
    """The language chosen in this browser before logging in (the login page was shown in it)
    carries on after logging in and becomes the account's choice; saved with the login's own
    commit (last_login_at). Without a cookie the account's stored choice applies."""
    cookie = request.cookies.get(COOKIE)
    if cookie in SUPPORTED and getattr(user, "preferred_locale", None) != cookie:
        user.preferred_locale = cookie


def switch_links() -> list[dict]:
    """The header's language links: the same page (path and query) with `lang` replaced."""
    from flask_babel import get_locale

    current = str(get_locale())
    args = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"]
    links = []
    for code in SUPPORTED:
        query = urlencode([*args, ("lang", code)])
        links.append(
            {
                "code": code,
                "name": NAMES[code],
                "url": f"{request.script_root}{request.path}?{query}",
                "current": code == current,
            }
        )
    return links


def init_app(app) -> None:
    from flask_login import user_logged_in

    _install_domain(app)
    user_logged_in.connect(_adopt_cookie_choice, app)
    app.before_request(_remember_choice)
    app.after_request(_set_cookie)
    app.jinja_env.globals["language_links"] = switch_links

    @app.context_processor
    def locale_values():
        from flask_babel import get_locale

        return {"current_locale": str(get_locale() or DEFAULT)}
