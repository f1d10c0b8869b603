"""A bounded LRU of page parts drawn once, per worker process: the store a feature's cache
module (app/assessments, progress, advisors, kpis and team cache.py) keeps its drawings in.

A feature keys each drawing by everything it shows (the stored rows' identities, the locale,
the time zone...), so an entry can only be replaced by a newer key, never go stale; old keys
age out. A store is sized by a config key, read on each use (so a changed setting applies at
once); a size of 0 switches it off (every request draws).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

from flask import current_app, has_app_context


class DrawnParts:
    """A bounded LRU of drawings by key, safe to share between a process's threads (the one
    implementation every feature's cache module keeps its drawings in). Its size is the config
    key ``setting`` when one is given and an app is active, else ``max_entries``; 0 or less
    switches the store off."""

    def __init__(self, max_entries: int, setting: str | None = None) -> None:
        self.max_entries = max_entries
        self.setting = setting
        self._entries: OrderedDict[Hashable, object] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def limit(self) -> int:
        if self.setting is not None and has_app_context():
            return int(current_app.config.get(self.setting, self.max_entries))
        return self.max_entries

    def get_or_draw(self, key: Hashable, draw: Callable[[], object]):
        if self.limit <= 0:
            return draw()
        value = self.get(key)
        if value is None:
            value = draw()  # outside the lock: two threads may draw the same key, both correct
            self.put(key, value)
        return value

    def get(self, key: Hashable):
        return self.get_many([key])[0]

    def get_many(self, keys: list) -> list:
        """The drawings of ``keys`` in order (None where missing), under one lock."""
        entries = self._entries
        with self._lock:
            found = [entries.get(key) for key in keys]
            for key, value in zip(keys, found, strict=True):
                if value is not None:
                    entries.move_to_end(key)
        return found

    def put(self, key: Hashable, value) -> None:
        self.put_many([(key, value)])

    def put_many(self, pairs: list) -> None:
        with self._lock:
            for key, value in pairs:
                self._entries[key] = value
                self._entries.move_to_end(key)
            limit = max(self.limit, 0)
            while len(self._entries) > limit:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


def store(name: str, size_setting: str, default_size: int) -> DrawnParts:
    """The app's store ``name``, created at its first use, sized by ``size_setting``."""
    extensions = current_app.extensions
    parts = extensions.get(name)
    if parts is None:
        parts = extensions.setdefault(name, DrawnParts(default_size, size_setting))
    return parts
