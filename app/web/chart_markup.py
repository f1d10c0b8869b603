"""The SVG markup of line charts (templates/components/line_charts.html), remembered.

The progress page draws a mini chart for every item and target year, and the same charts come
back on every request (and for many items with the same levels): the macro's escaping and
number formatting cost more than the rest of the page. Charts (app/web/line_charts.py) are
immutable and hashable, so the macro's output is a pure function of the chart and its title.
"""

from functools import lru_cache

from flask import current_app
from markupsafe import Markup

MACROS = "components/line_charts.html"


def line_chart_svg(chart, title: str, desc: str | None = None) -> Markup:
    """What ``line_chart(chart, title, desc)`` of the macro file renders."""
    # Keyed by the template module too: with auto-reload (development) an edited macro file
    # is a new module, so nothing stale is served.
    return _render(current_app.jinja_env.get_template(MACROS).module, chart, title, desc)


@lru_cache(maxsize=1024)  # a mini chart is ~1 kB: at most about 1 MB per worker
def _render(macros, chart, title, desc) -> Markup:
    return macros.line_chart(chart, title, desc)
