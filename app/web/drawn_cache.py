"""A bounded LRU of page parts drawn once, per worker process: the store a feature's cache
module (app/assessments, progress, advisors, kpis and team cache.py) keeps its drawings in.

A feature keys each drawing by everything it shows (the stored rows' identities, the locale,
the time zone...), so an entry can only be replaced by a newer key, never go stale; old keys
age out. A store is sized by a config key, read on each use (so a changed setting applies at
once); a size of 0 switches it off (every request draws). A store may also be bounded in bytes
(``bytes_setting``): what its entries hold, counted by ``drawn_bytes``; past it the least
recently used entries go first, and a drawing larger than the whole bound is not kept.

Memory: a Python str holding one Japanese character takes 2 bytes for every character, so a
drawn part of mostly ASCII markup costs twice its UTF-8 size; a large one (a progress page's
item charts, 250 kB as a str) is kept ``Packed`` instead (bench/README.md, "Worker memory with
the caches full").
"""

from __future__ import annotations

import dataclasses
import sys
import threading
import zlib
from array import array
from collections import OrderedDict
from collections.abc import Callable, Hashable

from flask import current_app, has_app_context
from markupsafe import Markup

# Field metadata of an entry's dataclass: the field refers to something the process shares
# (an index definition, a template module) and is not counted in the entry's bytes.
SHARED = {"shared": True}


class Packed:
    """A drawn Markup kept zlib-compressed; Jinja prints it as that Markup (``__html__``),
    unpacked on each use. Drawn markup repeats itself (every chart has the same grid, every
    row the same tags): a progress page's item charts, 250 kB as a str, pack to 5 kB and
    unpack in about 0.1 ms."""

    __slots__ = ("data",)

    def __init__(self, markup: Markup) -> None:
        self.data = zlib.compress(str(markup).encode())

    def __html__(self) -> str:
        return zlib.decompress(self.data).decode()

    def __str__(self) -> str:
        return self.__html__()


class PackedMarkups:
    """Several drawn Markups (a table's rows) kept as one packed text and each one's length:
    unpacked together, one decompression for all of them."""

    __slots__ = ("data", "lengths")

    def __init__(self, markups) -> None:
        texts = [str(m) for m in markups]
        self.data = zlib.compress("".join(texts).encode())
        self.lengths = array("I", map(len, texts))

    def unpack(self) -> tuple[Markup, ...]:
        text, start, markups = zlib.decompress(self.data).decode(), 0, []
        for length in self.lengths:
            markups.append(Markup(text[start : start + length]))  # noqa: S704 - drawn Markup
            start += length
        return tuple(markups)


def drawn_bytes(value) -> int:
    """The bytes a drawing holds (``sys.getsizeof``): its strings, packed parts, floats and the
    tuples, lists, dicts and dataclasses around them. Not counted: dataclass fields marked
    ``SHARED``, ints and None (small ints are shared by the interpreter). An object reached
    twice is counted twice (a bound errs on the safe side)."""
    if value is None or isinstance(value, int):
        return 0
    if isinstance(value, Packed | PackedMarkups):
        return sys.getsizeof(value) + sum(sys.getsizeof(getattr(value, s)) for s in value.__slots__)
    if isinstance(value, (tuple, list, set, frozenset)):
        return sys.getsizeof(value) + sum(drawn_bytes(v) for v in value)
    if isinstance(value, dict):
        return sys.getsizeof(value) + sum(drawn_bytes(k) + drawn_bytes(v) for k, v in value.items())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        own = sys.getsizeof(vars(value)) if hasattr(value, "__dict__") else 0  # (no slots)
        return (
            sys.getsizeof(value)
            + own
            + sum(
                drawn_bytes(getattr(value, f.name))
                for f in dataclasses.fields(value)
                if not f.metadata.get("shared")
            )
        )
    return sys.getsizeof(value)


class DrawnParts:
    """A bounded LRU of drawings by key, safe to share between a process's threads (the one
    implementation every feature's cache module keeps its drawings in). Its size is the config
    key ``setting`` when one is given and an app is active, else ``max_entries``; 0 or less
    switches the store off. With ``max_bytes`` (config key ``bytes_setting``, read the same
    way) the entries' ``drawn_bytes`` together stay within that many bytes too."""

    def __init__(
        self,
        max_entries: int,
        setting: str | None = None,
        *,
        max_bytes: int | None = None,
        bytes_setting: str | None = None,
    ) -> None:
        self.max_entries = max_entries
        self.setting = setting
        self.max_bytes = max_bytes
        self.bytes_setting = bytes_setting
        self._entries: OrderedDict[Hashable, object] = OrderedDict()
        self._sizes: dict[Hashable, int] = {}  # drawn_bytes per key, when bounded in bytes
        self.bytes = 0  # their sum
        self._lock = threading.Lock()

    @property
    def limit(self) -> int:
        if self.setting is not None and has_app_context():
            return int(current_app.config.get(self.setting, self.max_entries))
        return self.max_entries

    @property
    def byte_limit(self) -> int | None:
        """The bound in bytes, or None when the store has none."""
        if self.bytes_setting is not None and has_app_context():
            value = current_app.config.get(self.bytes_setting, self.max_bytes)
            return None if value is None else int(value)
        return self.max_bytes

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
        limit, byte_limit = max(self.limit, 0), self.byte_limit
        sizes = [drawn_bytes(value) if byte_limit is not None else 0 for _, value in pairs]
        with self._lock:
            for (key, value), size in zip(pairs, sizes, strict=True):
                self._forget(key)
                if byte_limit is not None and size > byte_limit:
                    continue  # larger than the whole store: drawn on every request
                self._entries[key] = value
                self._sizes[key] = size
                self.bytes += size
            while len(self._entries) > limit or (
                byte_limit is not None and self.bytes > byte_limit
            ):
                self._forget(next(iter(self._entries)))

    def _forget(self, key: Hashable) -> None:
        if self._entries.pop(key, None) is not None:
            self.bytes -= self._sizes.pop(key)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._sizes.clear()
            self.bytes = 0

    def __len__(self) -> int:
        return len(self._entries)


def store(
    name: str,
    size_setting: str,
    default_size: int,
    bytes_setting: str | None = None,
    default_bytes: int | None = None,
) -> DrawnParts:
    """The app's store ``name``, created at its first use, sized by ``size_setting`` (and
    bounded in bytes by ``bytes_setting``)."""
    extensions = current_app.extensions
    parts = extensions.get(name)
    if parts is None:
        parts = extensions.setdefault(
            name,
            DrawnParts(
                default_size, size_setting, max_bytes=default_bytes, bytes_setting=bytes_setting
            ),
        )
    return parts
