"""The one cache of team mode's figures (the divergence page, the history page's section).

Figures are drawn from submitted views only, and a submitted view never changes (the services
refuse it), so a key naming the submitted participants (with their perspective and name), the
index version and the locale identifies its figures exactly: a new submission, a removed
participant or a renamed user gives a new key, and the old entry simply ages out. Per process,
bounded, least recently used first out."""

from collections.abc import Callable, Hashable

from app.web.drawn_cache import DrawnParts

MAX_ENTRIES = 256

_STORE = DrawnParts(MAX_ENTRIES)


def cached(key: Hashable, build: Callable[[], object]):
    return _STORE.get_or_draw(key, build)


def clear() -> None:
    _STORE.clear()
