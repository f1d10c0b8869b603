"""The assessments feature's one cache place: the assessment pages' sidebar (the step list
with each step's answered count and state, the KPI step's count, the links), rendered once
per state and kept per worker process.

The sidebar is a pure function of what the key holds: the language, the script root and the
assessment's id (its links), each step's id, title, answered and total counts and whether it
was saved, the KPI step's counts, the page's own step and the step form the sidebar's buttons
save. The statuses and counts are read from the database on every request as before; only
the rendering is remembered, so a saved answer, a confirmed profile, an entered KPI value,
another page or another language gives a new key and the old entry ages out. Bounded by
``ASSESSMENT_SIDEBAR_CACHE_SIZE`` (least recently used first out); 0 = off.
"""

from collections import OrderedDict
from threading import Lock

from flask import current_app, get_template_attribute, request
from flask_babel import get_locale
from markupsafe import Markup

DEFAULT_SIZE = 1024

_entries: OrderedDict = OrderedDict()
_lock = Lock()


def sidebar_key(assessment, statuses, kpi, current_step, nav_form) -> tuple:
    return (
        str(get_locale()),
        request.script_root,
        assessment.id,
        tuple((s.id, str(s.title), s.answered, s.total, s.saved) for s in statuses),
        kpi.get("total"),
        kpi.get("entered"),
        current_step,
        nav_form,
    )


def sidebar(assessment, statuses, kpi, current_step=None, nav_form=None) -> Markup:
    """components/progress.html's progress_panel for these arguments, remembered."""

    def render():
        panel = get_template_attribute("components/progress.html", "progress_panel")
        return panel(assessment, statuses, kpi, current_step, nav_form)

    limit = current_app.config.get("ASSESSMENT_SIDEBAR_CACHE_SIZE", DEFAULT_SIZE)
    if limit <= 0:
        return render()
    key = sidebar_key(assessment, statuses, kpi, current_step, nav_form)
    with _lock:
        if key in _entries:
            _entries.move_to_end(key)
            return _entries[key]
    markup = render()  # outside the lock: two first requests may both render, same result
    with _lock:
        _entries[key] = markup
        while len(_entries) > limit:
            _entries.popitem(last=False)
    return markup


def clear() -> None:
    with _lock:
        _entries.clear()
