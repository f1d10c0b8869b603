"""The client list's frame: everything of the page around the rows (the filter form with the
chosen values, the counts, the sort links, the pager, the hints), drawn once and kept in
app/advisors/cache.py.

The frame depends only on the query, the counts and filter options of the advisor's clients,
the page's position and the advisor's address (shown when there is no client), plus the locale
and the script root. All of them are its key, so any change of one is a new key and can never
be served an older frame. It is drawn from templates/advisors/_client_list.html with a marker
where the rows go, and kept as the markup before and after the marker.
"""

from dataclasses import astuple, dataclass

from flask import render_template, request
from flask_babel import get_locale
from flask_login import current_user
from markupsafe import Markup

from app.advisors import portfolio
from app.advisors.cache import drawn_frame
from app.advisors.row_text import list_url

# Where the rows go: an HTML comment, which no escaped value of the frame can contain.
ROWS_MARK = Markup("<!--client rows-->")


@dataclass(frozen=True)
class Frame:
    head: Markup
    tail: Markup


def frame_key(query: portfolio.Query, result: portfolio.ClientPage) -> tuple:
    """Every value the frame shows or depends on."""
    return (
        str(get_locale()),
        request.script_root,
        current_user.email,
        *(tuple(v) if isinstance(v, list) else v for v in astuple(query)),
        result.total,
        result.matched,
        result.page,
        result.pages,
        len(result.rows),
        tuple(result.industries),
        tuple(result.prefectures),
    )


def list_frame(query: portfolio.Query, result: portfolio.ClientPage) -> Frame:
    return drawn_frame(frame_key(query, result), lambda: _draw(query, result))


def _draw(query, result) -> Frame:
    html = render_template(
        "advisors/_client_list.html",
        result=result,
        rows_markup=ROWS_MARK,
        query=query,
        columns=portfolio.COLUMNS,
        states=portfolio.STATES,
        sizes=portfolio.SIZE_LABELS,
        list_url=list_url,
    )
    head, tail = html.split(ROWS_MARK) if ROWS_MARK in html else (html, "")
    return Frame(Markup(head), Markup(tail))  # noqa: S704 - our own autoescaped template
