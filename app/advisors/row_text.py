"""The words and dates of the client list's rows, translated once per request, and the rows
drawn with them (each row once per summary: app/advisors/cache.py).

A gettext call per cell (about ten per row) cost more than the rest of the page: the patterns
are looked up here once and filled in per row with ``%``, as gettext itself does."""

from urllib.parse import urlencode

from flask import current_app, url_for
from flask_babel import get_timezone
from flask_babel import gettext as _
from markupsafe import Markup

from app.advisors.cache import drawn_rows
from app.advisors.portfolio import client_row
from app.advisors.services import SCOPE_LABELS
from app.web.template_helpers import fixed_url

DATETIME = "%Y/%m/%d %H:%M"  # the |datetime filter's "yyyy/MM/dd HH:mm" in the user's zone
_MARK = 918273645  # an id no link has, replaced by each row's own


def _link(endpoint: str, key: str):
    """The row's link to ``endpoint`` with its id as ``key``: url_for once, not per row."""
    head, tail = url_for(endpoint, **{key: _MARK}).split(str(_MARK))
    return lambda value: f"{head}{value}{tail}"


class RowText:
    def __init__(self, sizes: dict, states: dict):
        self.sizes = {key: str(label) for key, label in sizes.items()}
        self.states = {key: str(label) for key, label in states.items()}
        self.scopes = {key: str(label) for key, label in SCOPE_LABELS.items()}
        self.incomparable = _("比較不可")
        self.results = _("結果を見る")
        self.answers = _("回答を見る")
        self.report = _("面談レポート")
        self._industry_size = _("%(industry)s・%(sizes)s")
        self._year = _("%(year)s年度")
        self._answered = _("%(answered)s/%(item_count)s項目")
        self._previous = _("前年度")
        self._compared = _("%(change_label)s比")
        self._zone = get_timezone()
        self.dashboard_url = _link("companies.dashboard", "company_id")
        self.report_url = _link("advisors.client_report", "company_id")
        self.results_url = _link("assessments.results", "assessment_id")
        self.review_url = _link("assessments.review", "assessment_id")

    def industry_size(self, row) -> str:
        return self._industry_size % {"industry": row.industry, "sizes": self.sizes[row.size]}

    def year(self, year) -> str:
        return self._year % {"year": year}

    def answered(self, row) -> str:
        return self._answered % {"answered": row.answered, "item_count": row.item_count}

    def compared_with(self, row) -> str:
        """前年度比, or the year compared with when the previous year has no card (R10)."""
        if row.previous_year == row.card_year - 1:
            label = self._previous
        else:
            label = self.year(row.previous_year)
        return self._compared % {"change_label": label}

    def when(self, value) -> str:
        return value.astimezone(self._zone).strftime(DATETIME) if value else "—"


def list_url(params: dict) -> str:
    """The list with these query parameters (sort and page links)."""
    base = fixed_url("advisors.clients")
    return f"{base}?{urlencode(params)}" if params else base


def draw_rows(rows, sizes: dict, states: dict) -> Markup:
    """The table rows of ``rows`` (the list statement's rows); the words are looked up and a
    row made a portfolio.ClientRow only when it is not in the cache."""
    template = current_app.jinja_env.get_template("advisors/_client_row.html")
    text = None

    def draw(row) -> Markup:
        nonlocal text
        text = text or RowText(sizes, states)
        html = template.render(row=client_row(row), text=text)
        return Markup(html)  # noqa: S704 - the output of our own autoescaped template

    return drawn_rows(rows, draw)
