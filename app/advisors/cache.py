"""The client list drawn once: the one cache of the advisors feature.

Two bounded LRU stores per process, both keyed by everything the drawing shows:

- rows: a row's markup depends only on what the list statement returned for it (the company,
  its stored summary and the advisor's grant scope), the locale, the time zone and the script
  root. A changed summary, a rename, a changed scope or another language is a new key and can
  never be served an older drawing (``ADVISOR_ROW_CACHE_ROWS`` rows, 0 switches it off). The
  store is read only for rows the list's own statement returned for the signed-in advisor, so
  it cannot show a company the advisor has no grant for.
- frames: the page around the rows (filter form, counts, sort links, pager), keyed by the
  query, the counts and filter options and the advisor's address (app/advisors/list_frame.py;
  ``ADVISOR_FRAME_CACHE_SIZE`` frames, 0 switches it off).

Old keys age out.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from flask import current_app, request
from flask_babel import get_locale, get_timezone
from markupsafe import Markup

from app.web.drawn_cache import DrawnParts

ROWS = "advisor_row_cache"
FRAMES = "advisor_frame_cache"
DEFAULT_ROWS = 5000  # about 1.5 kB each: ~7 MB at most
DEFAULT_FRAMES = 500  # about 6-10 kB each: ~5 MB at most


def init_app(app) -> None:
    app.extensions[ROWS] = DrawnParts(app.config.get("ADVISOR_ROW_CACHE_ROWS", DEFAULT_ROWS))
    app.extensions[FRAMES] = DrawnParts(app.config.get("ADVISOR_FRAME_CACHE_SIZE", DEFAULT_FRAMES))


def row_cache() -> DrawnParts:
    return current_app.extensions[ROWS]


def frame_cache() -> DrawnParts:
    return current_app.extensions[FRAMES]


def drawn_rows(rows: Iterable[tuple], draw: Callable[[tuple], Markup]) -> Markup:
    """The markup of ``rows`` (the list statement's rows: every value a row shows) in order,
    each from the cache or ``draw``; the cache's lock is taken once for the lookups and once
    for the new drawings, not per row."""
    store = row_cache()
    if store.limit <= 0:
        return Markup("").join(draw(row) for row in rows)
    context = (str(get_locale()), str(get_timezone()), request.script_root)
    keys = [(*context, *row) for row in rows]
    parts = store.get_many(keys)
    drawn = []
    for i, (row, markup) in enumerate(zip(rows, parts, strict=True)):
        if markup is None:
            parts[i] = draw(row)
            drawn.append((keys[i], parts[i]))
    if drawn:
        store.put_many(drawn)
    return Markup("".join(parts))  # noqa: S704 - every part is Markup (escaped when drawn)


def drawn_frame(key: tuple, draw: Callable[[], object]):
    """The frame drawn for ``key`` (everything it shows), from the cache or ``draw``."""
    store = frame_cache()
    if store.limit <= 0:
        return draw()
    frame = store.get(key)
    if frame is None:
        frame = draw()
        store.put(key, frame)
    return frame
