"""The client list's rows, drawn once: the one cache of the advisors feature.

A row's markup depends only on what the list statement returned for it (the company, its
stored summary and the advisor's grant scope: every value the row shows), the locale, the time
zone and the script root. All of them are the key, so a changed summary, a rename, a changed
scope or another language is a new key and can never be served an older drawing; old keys age
out (LRU, ``ADVISOR_ROW_CACHE_ROWS`` rows, 0 switches it off; per process). The cache is read
only for rows the list's own statement returned for the signed-in advisor, so it cannot show a
company the advisor has no grant for.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable

from flask import current_app, request
from flask_babel import get_locale, get_timezone
from markupsafe import Markup

EXTENSION = "advisor_row_cache"
DEFAULT_ROWS = 5000  # about 1.5 kB each: ~7 MB at most


class RowCache:
    def __init__(self, max_rows: int) -> None:
        self.max_rows = max_rows
        self._entries: OrderedDict[tuple, Markup] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple) -> Markup | None:
        with self._lock:
            value = self._entries.get(key)
            if value is not None:
                self._entries.move_to_end(key)
            return value

    def put(self, key: tuple, value: Markup) -> None:
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_rows:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


def init_app(app) -> None:
    app.extensions[EXTENSION] = RowCache(app.config.get("ADVISOR_ROW_CACHE_ROWS", DEFAULT_ROWS))


def row_cache() -> RowCache:
    return current_app.extensions[EXTENSION]


def drawn_rows(rows: Iterable[tuple], draw: Callable[[tuple], Markup]) -> Markup:
    """The markup of ``rows`` (the list statement's rows: every value a row shows) in order,
    each from the cache or ``draw``."""
    store = row_cache()
    if store.max_rows <= 0:
        return Markup("").join(draw(row) for row in rows)
    context = (str(get_locale()), str(get_timezone()), request.script_root)
    parts = []
    for row in rows:
        key = (*context, *row)
        markup = store.get(key)
        if markup is None:
            markup = draw(row)
            store.put(key, markup)
        parts.append(markup)
    return Markup("").join(parts)
