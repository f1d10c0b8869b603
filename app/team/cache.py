"""The one cache of team mode's figures (the divergence page, the history page's section).

Figures are drawn from submitted views only, and a submitted view never changes (the services
refuse it), so a key naming the submitted participants (with their perspective and name), the
index version and the locale identifies its figures exactly: a new submission, a removed
participant or a renamed user gives a new key, and the old entry simply ages out. Per process,
bounded, least recently used first out."""

from collections import OrderedDict
from collections.abc import Callable, Hashable
from threading import Lock

MAX_ENTRIES = 256

_entries: OrderedDict = OrderedDict()
_lock = Lock()


def cached(key: Hashable, build: Callable[[], object]):
    with _lock:
        if key in _entries:
            _entries.move_to_end(key)
            return _entries[key]
    value = build()  # outside the lock: two first requests may both build, same result
    with _lock:
        _entries[key] = value
        while len(_entries) > MAX_ENTRIES:
            _entries.popitem(last=False)
    return value


def clear() -> None:
    with _lock:
        _entries.clear()
