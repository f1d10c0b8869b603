"""Item mappings between two index versions (``<from>_to_<to>.yaml``).

A mapping says which item of the newer version continues which item of the older one, so that
year-over-year figures and target tracking can go on across a revision where items correspond.
File format::

    meta:
      from_version: 2019-07
      to_version: 2026-02
      title: ...
      source: ...            # who made the correspondence and from what
    items:
    - {from: '1', to: ['A1'], note: ...}      # an old item continued by one or more new items

Rules: every ``from`` is an item of the older version and appears once; every ``to`` is an item
of the newer version. A newer item is comparable with the older year only when exactly one
older item maps to it (a split keeps the old level for each successor; a merge of several
older items has no single earlier level and is 比較不可, as is an item nobody maps to).

Target tracking (scoring rule P10) reads the same rule the other way round: a target set on an
older item is followed, in a year answered with the newer version, by the newer items that
continue it -- those whose one predecessor it is (``continuations``). One continuation: its
level. A split: the lowest of the parts' levels (the target is reached only when every part
reaches it). A merge (several older items into one newer item) continues none of them, so those
older items' targets are 比較不可 in that year, as is an older item no newer item continues.
Validated completely like a version file: every problem reported at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from questionnaires.loader import IndexDefinitionError
from questionnaires.model import Index

_META_REQUIRED = ("from_version", "to_version", "title", "source")
_ENTRY_KEYS = ("from", "to", "note")


@dataclass(frozen=True, slots=True)
class ItemMapping:
    from_version: str
    to_version: str
    title: str
    source: str
    # (older item id, (newer item ids...), note)
    entries: tuple[tuple[str, tuple[str, ...], str | None], ...]

    def predecessor(self, new_item_id: str) -> str | None:
        """The one older item a newer item continues, or None (比較不可)."""
        sources = [old for old, new_ids, _ in self.entries if new_item_id in new_ids]
        return sources[0] if len(sources) == 1 else None

    def continuations(self, new_item_ids: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
        """{older item: the newer items continuing it}; see ``continuations``."""
        return continuations({new_id: self.predecessor(new_id) for new_id in new_item_ids})

    def carry_over(self, old_values: Mapping[str, Any], new_item_ids: tuple[str, ...]) -> dict:
        """Older per-item values re-keyed by newer item id; None where not comparable."""
        result = {}
        for new_id in new_item_ids:
            old_id = self.predecessor(new_id)
            result[new_id] = None if old_id is None else old_values.get(old_id)
        return result


def continuations(predecessor_of: Mapping[str, str | None]) -> dict[str, tuple[str, ...]]:
    """{older item: the newer items whose one predecessor it is}, in the newer version's order,
    from ``{newer item: its one predecessor or None}``. An older item left out has no
    continuation (比較不可 for its target in a year of the newer version)."""
    result: dict[str, list[str]] = {}
    for new_id, old_id in predecessor_of.items():
        if old_id is not None:
            result.setdefault(old_id, []).append(new_id)
    return {old_id: tuple(new_ids) for old_id, new_ids in result.items()}


def parse_mapping(text: str, older: Index, newer: Index, name: str = "<mapping>") -> ItemMapping:
    """Validate a mapping file's text against the two versions it connects."""
    problems: list[str] = []
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise IndexDefinitionError(name, [f"malformed YAML: {exc}"]) from exc
    if not isinstance(data, dict) or not isinstance(data.get("meta"), dict):
        raise IndexDefinitionError(name, ["file: needs a 'meta' mapping and an 'items' list"])
    unknown = sorted(str(k) for k in data if k not in ("meta", "items"))
    if unknown:
        problems.append(f"file: unknown section(s): {', '.join(unknown)}")
    meta = data["meta"]
    for key in _META_REQUIRED:
        if not isinstance(meta.get(key), str) or not meta[key].strip():
            problems.append(f"meta: '{key}' must be a non-empty string")
    if meta.get("from_version") not in (None, older.version_id):
        problems.append(f"meta: from_version is not {older.version_id!r}")
    if meta.get("to_version") not in (None, newer.version_id):
        problems.append(f"meta: to_version is not {newer.version_id!r}")
    raw_entries = data.get("items")
    if not isinstance(raw_entries, list) or not raw_entries:
        problems.append("items: must be a non-empty list")
        raw_entries = []
    entries = []
    seen: set[str] = set()
    for position, raw in enumerate(raw_entries):
        where = f"items[{position}]"
        if not isinstance(raw, dict):
            problems.append(f"{where}: must be a mapping")
            continue
        extra = sorted(str(k) for k in raw if k not in _ENTRY_KEYS)
        if extra:
            problems.append(f"{where}: unknown key(s): {', '.join(extra)}")
        old_id = raw.get("from")
        new_ids = raw.get("to")
        note = raw.get("note")
        if not isinstance(old_id, str) or not older.has_item(old_id):
            problems.append(f"{where}: 'from' {old_id!r} is not an item of {older.version_id}")
        elif old_id in seen:
            problems.append(f"{where}: item {old_id!r} is mapped twice")
        else:
            seen.add(old_id)
        if isinstance(new_ids, str):
            new_ids = [new_ids]
        if not isinstance(new_ids, list) or not new_ids:
            problems.append(f"{where}: 'to' must be an item id or a non-empty list of them")
            new_ids = []
        for new_id in new_ids:
            if not isinstance(new_id, str) or not newer.has_item(new_id):
                problems.append(f"{where}: 'to' {new_id!r} is not an item of {newer.version_id}")
        if note is not None and (not isinstance(note, str) or not note.strip()):
            problems.append(f"{where}: 'note' must be a non-empty string")
        entries.append((str(old_id), tuple(str(n) for n in new_ids), note))
    if problems:
        raise IndexDefinitionError(name, problems)
    return ItemMapping(
        older.version_id, newer.version_id, meta["title"], meta["source"], tuple(entries)
    )


def load_mapping(path: Path | str, older: Index, newer: Index) -> ItemMapping:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise IndexDefinitionError(path, [f"cannot read the file: {exc}"]) from exc
    return parse_mapping(text, older, newer, str(path))
