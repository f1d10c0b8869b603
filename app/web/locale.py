"""Which language a page is shown in (Japanese by default, English on request).

Order: `?lang=` on the request (remembered), the signed-in user's stored choice, the cookie
of a visitor who is not signed in, the browser's Accept-Language, then Japanese. Only the
languages with a catalogue are accepted; any other `lang` value is ignored.
"""

from urllib.parse import urlencode

from flask import current_app, g, has_request_context, request
from flask_login import current_user

from app.extensions import db

SUPPORTED = ("ja", "en")
DEFAULT = "ja"
COOKIE = "lang"
COOKIE_MAX_AGE = 365 * 24 * 3600
# Shown in the switch in their own language, so a reader who cannot read the current one
# still finds theirs.
NAMES = {"ja": "日本語", "en": "English"}


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

    user_logged_in.connect(_adopt_cookie_choice, app)
    app.before_request(_remember_choice)
    app.after_request(_set_cookie)
    app.jinja_env.globals["language_links"] = switch_links

    @app.context_processor
    def locale_values():
        from flask_babel import get_locale

        return {"current_locale": str(get_locale() or DEFAULT)}
