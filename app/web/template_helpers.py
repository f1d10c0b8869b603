"""Values and filters every template may use."""

from flask import current_app, request, url_for
from flask_babel import format_datetime
from flask_login import current_user

from app.web.chart_markup import line_chart_svg
from app.web.leading_rule import leading_rule_text
from app.web.mail import quoted
from app.web.numbers import delta_text, percent_text, score_text


def fixed_url(endpoint: str, **values) -> str:
    """url_for for the links that are the same on every page (header, static files): built
    once per app and script root instead of about ten times per request. Only for constant
    arguments; per-request values (ids) would make the cache grow without bound."""
    cache = current_app.extensions.setdefault("fixed_urls", {})
    key = (request.script_root, endpoint, *sorted(values.items()))
    url = cache.get(key)
    if url is None:
        url = cache[key] = url_for(endpoint, **values)
    return url


def init_app(app):
    app.jinja_env.globals["fixed_url"] = fixed_url
    app.jinja_env.globals["leading_rule_text"] = leading_rule_text
    app.jinja_env.globals["line_chart_svg"] = line_chart_svg  # the line_chart macro, remembered
    # The only number filters: every figure on a page is written by app/web/numbers.py (R9).
    app.jinja_env.filters["score"] = score_text
    app.jinja_env.filters["delta"] = delta_text
    app.jinja_env.filters["percent"] = percent_text
    app.jinja_env.filters["mail_quoted"] = quoted
    app.jinja_env.filters["datetime"] = lambda v: (
        format_datetime(v, "yyyy/MM/dd HH:mm") if v else "—"
    )

    @app.context_processor
    def session_timing():
        if not current_user.is_authenticated:
            return {}
        return {
            "session_idle_seconds": current_app.config["SESSION_IDLE_SECONDS"],
            "session_warning_seconds": current_app.config["SESSION_WARNING_SECONDS"],
        }
