"""Rendered bureau reports, kept in memory: the one cache of the reports feature.

A release never changes once published, so what a request shows for (scope, release, filter,
previous-year release, list of releases, notices, locale, format) is immutable: the report body
of the page, the CSV bytes and the .xlsx bytes are rendered once per process and then served
from here. Nothing needs invalidating: a new release has a new id (and the list of releases the
page offers is part of the key), so it is a new key; old keys age out of the LRU.

Keys always start with the account's scope (its bureau code, or ``national``), so an account can
only ever be served a report rendered for its own jurisdiction. Only the scope-wide body is kept:
nothing user-specific (navigation, CSRF tokens, the audit record of an export, the rate limit)
is inside it. Bounded by total size (``REPORT_CACHE_BYTES``, 0 switches it off); per process.
"""

from __future__ import annotations

import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator

from flask import current_app
from flask_babel import get_locale

EXTENSION = "report_cache"
DEFAULT_BYTES = 32 * 2**20
CHUNK = 64 * 2**10  # bytes per piece of a streamed download


class ReportCache:
    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[tuple, str | bytes] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: tuple) -> str | bytes | None:
        with self._lock:
            value = self._entries.get(key)
            if value is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return value

    def put(self, key: tuple, value: str | bytes) -> None:
        size = _bytes(value)
        if size > self.max_bytes:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._size -= _bytes(old)
            self._entries[key] = value
            self._size += size
            while self._size > self.max_bytes:
                _key, dropped = self._entries.popitem(last=False)
                self._size -= _bytes(dropped)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._size = 0

    def __len__(self) -> int:
        return len(self._entries)


def _bytes(value: str | bytes) -> int:
    """The memory ``value`` takes: a page body (str) with Japanese text takes 2 bytes a
    character, not ``len``."""
    return sys.getsizeof(value)


def init_app(app) -> None:
    app.extensions[EXTENSION] = ReportCache(app.config.get("REPORT_CACHE_BYTES", DEFAULT_BYTES))


def report_cache() -> ReportCache:
    return current_app.extensions[EXTENSION]


def key(kind: str, asked) -> tuple:
    """``kind`` (page, csv, xlsx) of the report ``asked`` (services.ReportRequest) in the
    request's locale; the scope first."""
    return (asked.scope, kind, str(get_locale()), *asked.cache_key())


def cached(kind: str, asked, render) -> str | bytes:
    """The stored rendering of the report, or ``render()`` stored (when the cache is on)."""
    store = report_cache()
    if store.max_bytes <= 0:
        return render()
    k = key(kind, asked)
    value = store.get(k)
    if value is None:
        value = render()
        store.put(k, value)
    return value


def streamed(kind: str, asked, produce: Callable[[], Iterable[bytes]]) -> Iterator[bytes]:
    """A download as pieces: the stored bytes in CHUNK slices, or the pieces of ``produce()``
    as they come (never joined first), stored once the last one is sent and when they fit.
    A download the client abandons is not stored (the generator is closed early)."""
    store = report_cache()
    if store.max_bytes <= 0:
        return iter(produce())
    k = key(kind, asked)
    value = store.get(k)
    if value is not None:
        return (value[i : i + CHUNK] for i in range(0, len(value), CHUNK))
    return _kept(store, k, produce())


def _kept(store: ReportCache, k: tuple, pieces: Iterable[bytes]) -> Iterator[bytes]:
    kept: list[bytes] | None = []
    size = 0
    for piece in pieces:
        if kept is not None:
            size += len(piece)
            if size > store.max_bytes:
                kept = None  # too big to keep: still streamed
            else:
                kept.append(piece)
        yield piece
    if kept is not None:
        store.put(k, b"".join(kept))
