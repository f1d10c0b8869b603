"""Load and validate index definition files (``dx-suishin-shihyo/<version>.yaml``).

A version is just a file: adding ``2026-02.yaml`` next to ``2019-07.yaml`` makes
``load_index("2026-02")`` work without code changes. Every file is validated completely before
any object is built; all problems found are reported together in one IndexDefinitionError whose
message names the file and the offending item, step, level, framework or KPI id.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import threading
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

import yaml

from questionnaires.model import (
    ANSWER_SCALES,
    ITEM_KINDS,
    SOURCE_STATUSES,
    VALUE_TYPES,
    Framework,
    Index,
    Item,
    KpiExample,
    KpiGroup,
    LeadingRule,
    Level,
    Source,
    Step,
)

DEFINITIONS_DIR = Path(__file__).resolve().parent / "dx-suishin-shihyo"
# Looked up after DEFINITIONS_DIR. Empty in the application; tests add a folder of small
# definitions (tests/fixtures/questionnaires) that exercise the mechanism, validated like any file.
EXTRA_DEFINITIONS_DIRS: tuple[Path, ...] = ()
DEFAULT_VERSION = "2019-07"
LEVEL_VALUES = (0, 1, 2, 3, 4, 5)
QUESTION_STATUSES = ("verified", "unverified")

# Ids end up in URLs, form field names and database rows: keep them plain.
_ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,31}")
_VERSION_PATTERN = re.compile(r"[0-9A-Za-z][0-9A-Za-z._-]{0,31}")

_SECTIONS_REQUIRED = ("meta", "sources", "frameworks", "levels", "items", "steps")
_SECTIONS_OPTIONAL = ("kpi_groups", "kpi_examples", "leading_rule")
_META_KEYS = (
    ("index_id", "version_id", "title", "source"),
    ("publisher", "published", "notes", "default_source", "framework_label", "synthetic"),
)
_SOURCE_KEYS = (("id", "title", "status"), ("url", "notes"))
_FRAMEWORK_KEYS = (("id", "name", "item_count"), ("ipa_label", "indicator_group", "source"))
_LEVEL_KEYS = (("value", "name", "description"), ("source",))
_LEADING_RULE_KEYS = (("scale", "threshold", "scope", "description"), ("source",))
_ITEM_KEYS = (
    ("id", "kind", "framework", "category", "title", "question_status"),
    (
        "parent",
        "subcategory",
        "question",
        "question_unverified",
        "number_status",
        "category_status",
        "subcategory_status",
        "notes",
        "source",
        "criteria",
        "criteria_source",
    ),
)
_STEP_KEYS = (("id", "title", "items"), ())
_KPI_GROUP_KEYS = (("id", "name", "framework"), ("guidance", "source"))
_KPI_EXAMPLE_KEYS = (
    ("id", "group", "category", "name", "value_type", "description"),
    ("unit", "scale", "note", "source"),
)


class IndexDefinitionError(ValueError):
    """An index definition file is missing, unreadable or inconsistent."""

    def __init__(self, path: Path | str, problems: Iterable[str]) -> None:
        self.path = str(path)
        self.problems = tuple(problems)
        listing = "\n".join(f"  - {problem}" for problem in self.problems)
        super().__init__(f"{self.path}: invalid index definition:\n{listing}")


class UnknownVersionError(LookupError):
    """No definition file exists for the requested index version."""


class StoredVersions(Protocol):
    """Versions kept outside the package (the application stores loaded files in its
    database). ``digest`` is None for an unknown version; the text of a digest never changes."""

    def versions(self) -> Iterable[str]: ...

    def digest(self, version: str) -> str | None: ...

    def text(self, version: str) -> str: ...


_stored: StoredVersions | None = None
_packaged_loaded: dict[str, Index] = {}
_parsed_by_digest: dict[str, Index] = {}
_parsed_lock = threading.Lock()


def use_stored_versions(store: StoredVersions | None) -> None:
    """Look versions up in ``store`` after the packaged files (None: packaged files only)."""
    global _stored
    _stored = store


def packaged_versions() -> tuple[str, ...]:
    """Every version with a definition file in the package, sorted."""
    return _packaged_in((DEFINITIONS_DIR, *EXTRA_DEFINITIONS_DIRS))


@lru_cache(maxsize=8)
def _packaged_in(folders: tuple[Path, ...]) -> tuple[str, ...]:
    return tuple(sorted({path.stem for folder in folders for path in folder.glob("*.yaml")}))


def clear_caches() -> None:
    """Forget every parsed version (tests that add definition folders call this)."""
    _packaged_in.cache_clear()
    _load_packaged.cache_clear()
    _packaged_loaded.clear()
    with _parsed_lock:
        _parsed_by_digest.clear()


def available_versions() -> tuple[str, ...]:
    """Every version: packaged files, then stored versions, sorted (oldest first for
    date-like ids)."""
    stored = set(_stored.versions()) if _stored is not None else set()
    return tuple(sorted({*packaged_versions(), *stored}))


def parse_definition(text: str, name: str = "<text>") -> Index:
    """Validate a version file's text completely and build its Index (IndexDefinitionError
    listing every problem otherwise). Nothing is cached or registered."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise IndexDefinitionError(name, [f"malformed YAML: {exc}"]) from exc
    return _Builder(Path(name)).build(data)


def definition_digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _definition_files() -> list[Path]:
    folders = (DEFINITIONS_DIR, *EXTRA_DEFINITIONS_DIRS)
    return [path for folder in folders for path in sorted(folder.glob("*.yaml"))]


def load_index(version: str | None = None, *, path: Path | str | None = None) -> Index:
    """Return the validated index for ``version`` (default DEFAULT_VERSION).

    Packaged versions are cached for the life of the process. ``path`` loads an arbitrary
    file instead (uncached; meant for tests and for checking a new file before release).
    """
    if path is not None:
        if version is not None:
            raise TypeError("pass either a version or a path, not both")
        return _load_file(Path(path))
    return _load_version(DEFAULT_VERSION if version is None else version)


def _load_version(version: str) -> Index:
    # A packaged version, once loaded, stays for the life of the process (until clear_caches).
    index = _packaged_loaded.get(version)
    if index is not None:
        return index
    if _VERSION_PATTERN.fullmatch(version) and version in packaged_versions():
        index = _load_packaged(version)
        _packaged_loaded[version] = index
        return index
    digest = (
        _stored.digest(version)
        if _stored is not None and _VERSION_PATTERN.fullmatch(version)
        else None
    )
    if digest is None:
        raise UnknownVersionError(
            f"unknown index version {version!r}; available: {', '.join(available_versions())}"
        )
    with _parsed_lock:
        index = _parsed_by_digest.get(digest)
    if index is None:
        index = parse_definition(_stored.text(version), f"stored version {version}")
        if index.version_id != version:
            raise IndexDefinitionError(
                f"stored version {version}",
                [f"meta: version_id {index.version_id!r} does not match {version!r}"],
            )
        with _parsed_lock:
            _parsed_by_digest[digest] = index
    return index


_load_version.cache_clear = clear_caches  # type: ignore[attr-defined]  # the name tests use


@lru_cache(maxsize=16)  # a handful of versions at most
def _load_packaged(version: str) -> Index:
    path = next(p for p in _definition_files() if p.stem == version)  # the packaged one first
    index = _load_file(path)
    if index.version_id != version:
        raise IndexDefinitionError(
            path, [f"meta: version_id {index.version_id!r} does not match the file name"]
        )
    return index


def _load_file(path: Path) -> Index:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise IndexDefinitionError(path, [f"cannot read the file: {exc}"]) from exc
    return parse_definition(text, str(path))


class _Abort(Exception):
    """Internal: the file is too broken to check any further."""


class _Builder:
    """Validates the parsed YAML of one file and builds the Index from it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.problems: list[str] = []
        self.sources: dict[str, Source] = {}
        self.default_source: str | None = None

    # -- reporting -----------------------------------------------------------------------
    def problem(self, where: str, message: str) -> None:
        self.problems.append(f"{where}: {message}")

    def abort(self, where: str, message: str) -> _Abort:
        self.problem(where, message)
        return _Abort()

    # -- entry point ---------------------------------------------------------------------
    def build(self, data: Any) -> Index:
        try:
            index = self._build(data)
        except _Abort:
            index = None
        if index is None:
            raise IndexDefinitionError(self.path, self.problems)
        return index

    def _build(self, data: Any) -> Index | None:
        """The Index, or None when a problem was recorded."""
        if not isinstance(data, dict):
            raise self.abort("file", "the top level must be a mapping of sections")
        self.check_keys("file", data, _SECTIONS_REQUIRED, _SECTIONS_OPTIONAL, what="section")
        for section in _SECTIONS_REQUIRED:
            if section not in data:
                raise _Abort()
        meta = self.record("meta", data["meta"], _META_KEYS)
        if meta is None:
            raise _Abort()
        lists = {
            section: self.section_list(section, data.get(section, []))
            for section in _SECTIONS_REQUIRED[1:] + _SECTIONS_OPTIONAL
            if section != "leading_rule"
        }

        synthetic = meta.get("synthetic", False)
        if not isinstance(synthetic, bool):
            self.problem("meta", f"'synthetic' must be true or false (got {synthetic!r})")
            synthetic = False
        self.sources = self.source_table(lists["sources"], synthetic)
        self.default_source = self.ident("meta", meta, "default_source", nullable=True)
        if self.default_source is not None and self.default_source not in self.sources:
            self.problem("meta", f"default_source: unknown source '{self.default_source}'")
            self.default_source = None

        frameworks = self.frameworks(lists["frameworks"])
        levels = self.levels(lists["levels"])
        items = self.items(lists["items"], frameworks, levels)
        steps, step_of = self.steps(lists["steps"], items)
        self.framework_counts(frameworks, items)
        kpi_groups = self.kpi_groups(lists["kpi_groups"], frameworks)
        kpi_examples = self.kpi_examples(lists["kpi_examples"], kpi_groups)
        leading_rule = self.leading_rule(data.get("leading_rule"), frameworks, levels)
        header = {key: self.text("meta", meta, key) for key in ("index_id", "version_id", "title")}
        source = self.text("meta", meta, "source")
        publisher = self.text("meta", meta, "publisher", nullable=True)
        framework_label = self.text("meta", meta, "framework_label", nullable=True)
        self.text_list("meta", meta, "notes")
        published = self.date_text("meta", meta, "published")
        if self.problems:
            return None

        return Index(
            version_id=header["version_id"],
            title=header["title"],
            source=source,
            frameworks=tuple(
                Framework(
                    id=fid,
                    name=fw["name"],
                    ipa_label=fw["ipa_label"],
                    item_ids=tuple(i for i, item in items.items() if item["framework"] == fid),
                    source_id=fw["source"],
                )
                for fid, fw in frameworks.items()
            ),
            levels=tuple(Level(**levels[value]) for value in sorted(levels)),
            items=tuple(
                Item(
                    id=item_id,
                    parent_id=item["parent"],
                    kind=item["kind"],
                    framework_id=item["framework"],
                    category=item["category"],
                    subcategory=item["subcategory"],
                    title=item["title"],
                    question=item["question"],
                    question_verified=item["question_status"] == "verified",
                    question_unverified=item["question_unverified"],
                    step_id=step_of[item_id],
                    **self.item_criteria(item),
                )
                for item_id, item in items.items()
            ),
            steps=tuple(
                Step(id=sid, title=title, item_ids=ids) for sid, (title, ids) in steps.items()
            ),
            kpi_groups=tuple(
                KpiGroup(gid, g["name"], g["framework"], g["guidance"])
                for gid, g in kpi_groups.items()
            ),
            kpi_examples=tuple(KpiExample(id=eid, **e) for eid, e in kpi_examples.items()),
            index_id=header["index_id"],
            publisher=publisher,
            published=published,
            sources=tuple(self.sources.values()),
            framework_label=framework_label or "枠組み",
            synthetic=synthetic,
            leading_rule=leading_rule,
            default_source_id=self.default_source,
        )

    def item_criteria(self, item: dict) -> dict[str, Any]:
        criteria = item["criteria"]
        if criteria is None:
            return {}
        pairs = tuple(sorted(criteria.items()))
        if self.sources[item["criteria_source"]].status == "unverified":
            return {"criteria_unverified": pairs, "criteria_source_id": item["criteria_source"]}
        return {"criteria": pairs, "criteria_source_id": item["criteria_source"]}

    # -- generic readers -------------------------------------------------------------------
    def check_keys(
        self,
        where: str,
        raw: dict,
        required: tuple[str, ...],
        optional: tuple[str, ...],
        what: str = "key",
    ) -> bool:
        missing = [key for key in required if key not in raw]
        unknown = sorted(str(key) for key in raw if key not in required + optional)
        if missing:
            self.problem(where, f"missing {what}(s): {', '.join(missing)}")
        if unknown:
            self.problem(where, f"unknown {what}(s): {', '.join(unknown)}")
        return not missing

    def section_list(self, section: str, raw: Any) -> list:
        if not isinstance(raw, list):
            raise self.abort(section, "must be a list")
        return raw

    def record(self, where: str, raw: Any, keys: tuple[tuple[str, ...], ...]) -> dict | None:
        """A mapping with all required keys present, or None (problem recorded)."""
        if not isinstance(raw, dict):
            self.problem(where, "must be a mapping")
            return None
        required, optional = keys
        return raw if self.check_keys(where, raw, required, optional) else None

    def entries(
        self, section: str, raw_list: list, keys: tuple[tuple[str, ...], ...], label: str
    ) -> Iterable[tuple[str, str, dict]]:
        """Yield (id, where, record) for each well-formed entry with a fresh, valid id."""
        seen: set[str] = set()
        for position, raw in enumerate(raw_list):
            raw_id = raw.get("id") if isinstance(raw, dict) else None
            where = f"{label} '{raw_id}'" if isinstance(raw_id, str) else f"{section}[{position}]"
            rec = self.record(where, raw, keys)
            if rec is None:
                continue
            entry_id = self.ident(where, rec, "id")
            if entry_id is None:
                continue
            if entry_id in seen:
                self.problem(where, f"duplicate {label} id")
                continue
            seen.add(entry_id)
            yield entry_id, where, rec

    def text(self, where: str, rec: dict, key: str, nullable: bool = False) -> Any:
        value = rec.get(key)
        if value is None and nullable:
            return None
        if not isinstance(value, str) or not value.strip():
            self.problem(where, f"'{key}' must be a non-empty string")
            return None
        return value

    def ident(self, where: str, rec: dict, key: str, nullable: bool = False) -> Any:
        value = rec.get(key)
        if value is None and nullable:
            return None
        if not isinstance(value, str) or not _ID_PATTERN.fullmatch(value):
            self.problem(
                where,
                f"'{key}' must be a quoted id of letters, digits, '-' or '_' (got {value!r})",
            )
            return None
        return value

    def integer(self, where: str, rec: dict, key: str) -> Any:
        value = rec.get(key)
        if not isinstance(value, int) or isinstance(value, bool):
            self.problem(where, f"'{key}' must be an integer (got {value!r})")
            return None
        return value

    def text_list(self, where: str, rec: dict, key: str) -> tuple[str, ...] | None:
        value = rec.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            self.problem(where, f"'{key}' must be a list of non-empty strings")
            return None
        return tuple(value)

    def date_text(self, where: str, rec: dict, key: str) -> str | None:
        value = rec.get(key)
        if isinstance(value, dt.date):
            return value.isoformat()
        return self.text(where, rec, key, nullable=True)

    # -- sources -------------------------------------------------------------------------
    def source_table(self, raw_list: list, synthetic: bool) -> dict[str, Source]:
        sources: dict[str, Source] = {}
        for sid, where, rec in self.entries("sources", raw_list, _SOURCE_KEYS, "source"):
            title = self.text(where, rec, "title")
            url = self.text(where, rec, "url", nullable=True)
            self.text(where, rec, "notes", nullable=True)
            status = rec["status"]
            if status not in SOURCE_STATUSES:
                self.problem(where, f"status must be one of {', '.join(SOURCE_STATUSES)}")
                continue
            if status == "synthetic" and not synthetic:
                self.problem(
                    where, "a synthetic source needs meta.synthetic: true (a version not official)"
                )
            sources[sid] = Source(sid, title or "", status, url)
        if not sources and not raw_list:
            self.problem("sources", "at least one source is required")
        return sources

    def source_ref(
        self, where: str, rec: dict, key: str = "source", *, shown: bool = True
    ) -> str | None:
        """The source id of a text record (its own or meta.default_source). ``shown``: the
        text is displayed as it stands (names, levels, KPIs), so its source may not be
        unverified."""
        value = rec.get(key)
        if value is None:
            if self.default_source is None:
                self.problem(where, f"text without a source (set '{key}' or meta.default_source)")
            return self.default_source
        if not isinstance(value, str) or value not in self.sources:
            if isinstance(value, str) and _ID_PATTERN.fullmatch(value) and not self.sources:
                return None  # the sources section is broken; reported there
            self.problem(where, f"{key}: unknown source {value!r}")
            return None
        if shown and self.sources[value].status == "unverified":
            self.problem(
                where,
                f"{key}: '{value}' is unverified, and this text is shown as it stands",
            )
        return value

    # -- sections ------------------------------------------------------------------------
    def frameworks(self, raw_list: list) -> dict[str, dict]:
        frameworks = {}
        for fid, where, rec in self.entries("frameworks", raw_list, _FRAMEWORK_KEYS, "framework"):
            frameworks[fid] = {
                "name": self.text(where, rec, "name"),
                "ipa_label": self.text(where, rec, "ipa_label", nullable=True),
                "item_count": self.integer(where, rec, "item_count"),
                "source": self.source_ref(where, rec),
            }
            self.text(where, rec, "indicator_group", nullable=True)
        if not frameworks:
            self.problem("frameworks", "at least one framework is required")
        return frameworks

    def levels(self, raw_list: list) -> dict[int, dict]:
        levels: dict[int, dict] = {}
        for position, raw in enumerate(raw_list):
            where = f"levels[{position}]"
            rec = self.record(where, raw, _LEVEL_KEYS)
            if rec is None:
                continue
            value = self.integer(where, rec, "value")
            if value is None:
                continue
            where = f"level {value}"
            if value not in LEVEL_VALUES:
                self.problem(where, f"level values must be {LEVEL_VALUES[0]}..{LEVEL_VALUES[-1]}")
                continue
            if value in levels:
                self.problem(where, "duplicate level")
                continue
            levels[value] = {
                "value": value,
                "name": self.text(where, rec, "name"),
                "description": self.text(where, rec, "description"),
                "source_id": self.source_ref(where, rec),
            }
        for value in LEVEL_VALUES:
            if value not in levels:
                self.problem(f"level {value}", "missing (levels must be exactly 0..5)")
        return levels

    def items(
        self, raw_list: list, frameworks: dict[str, dict], levels: dict[int, dict]
    ) -> dict[str, dict]:
        items: dict[str, dict] = {}
        for item_id, where, rec in self.entries("items", raw_list, _ITEM_KEYS, "item"):
            items[item_id] = {
                "where": where,
                "kind": rec["kind"],
                "framework": self.ident(where, rec, "framework"),
                "parent": self.ident(where, rec, "parent", nullable=True),
                "category": self.text(where, rec, "category"),
                "subcategory": self.text(where, rec, "subcategory", nullable=True),
                "title": self.text(where, rec, "title"),
                "question_status": rec["question_status"],
                "question": self.text(where, rec, "question", nullable=True),
                "question_unverified": self.text(where, rec, "question_unverified", nullable=True),
                # An unverified question stays null; its source may be unverified.
                "source": self.source_ref(
                    where, rec, shown=rec.get("question_status") == "verified"
                ),
                "criteria": None,
                "criteria_source": None,
            }
            if rec.get("criteria") is not None:
                items[item_id]["criteria"] = self.criteria(where, rec, levels)
                items[item_id]["criteria_source"] = (
                    self.source_ref(where, rec, "criteria_source", shown=False)
                    if "criteria_source" in rec
                    else items[item_id]["source"]
                )
            elif rec.get("criteria_source") is not None:
                self.problem(where, "criteria_source without criteria")
            for key in ("number_status", "category_status", "subcategory_status", "notes"):
                self.text(where, rec, key, nullable=True)
        if not items:
            self.problem("items", "at least one item is required")
        position = {item_id: n for n, item_id in enumerate(items)}
        for item_id in items:
            self.item_rules(item_id, items, position, frameworks)
        return items

    def item_rules(
        self,
        item_id: str,
        items: dict[str, dict],
        position: dict[str, int],
        frameworks: dict[str, dict],
    ) -> None:
        item = items[item_id]
        where, kind, parent_id = item["where"], item["kind"], item["parent"]
        if kind not in ITEM_KINDS:
            self.problem(where, f"kind must be one of {', '.join(ITEM_KINDS)} (got {kind!r})")
        if item["framework"] is not None and item["framework"] not in frameworks:
            self.problem(where, f"unknown framework '{item['framework']}'")
        if kind == "KQ" and parent_id is not None:
            self.problem(where, "a key question (KQ) must not have a parent")
        if kind == "SQ" and parent_id is None:
            self.problem(where, "a sub-question (SQ) needs a parent key question")
        if kind == "SQ" and parent_id is not None:
            parent = items.get(parent_id)
            if parent is None:
                self.problem(where, f"unknown parent '{parent_id}'")
            elif parent["kind"] != "KQ":
                self.problem(where, f"parent '{parent_id}' is not a key question (KQ)")
            elif parent["framework"] != item["framework"]:
                self.problem(where, f"parent '{parent_id}' belongs to another framework")
            elif position[parent_id] > position[item_id]:
                self.problem(where, f"must come after its parent '{parent_id}'")

        status = item["question_status"]
        if status not in QUESTION_STATUSES:
            self.problem(where, f"question_status must be one of {', '.join(QUESTION_STATUSES)}")
        elif status == "verified":
            if item["question"] is None:
                self.problem(where, "a verified item needs its question text")
            if item["question_unverified"] is not None:
                self.problem(where, "a verified item must not carry question_unverified")
        elif item["question"] is not None:
            self.problem(
                where,
                "an unverified item must keep question null (put the text in question_unverified)",
            )

    def criteria(self, where: str, rec: dict, levels: dict[int, dict]) -> dict[int, str] | None:
        """Item-specific level criteria: a text for every level of the version's scale."""
        raw = rec["criteria"]
        if not isinstance(raw, dict):
            self.problem(where, "'criteria' must map every level value to its text")
            return None
        criteria: dict[int, str] = {}
        for key, text in raw.items():
            if not isinstance(key, int) or isinstance(key, bool) or key not in LEVEL_VALUES:
                self.problem(where, f"criteria: unknown level {key!r}")
            elif not isinstance(text, str) or not text.strip():
                self.problem(where, f"criteria: level {key} must be a non-empty string")
            else:
                criteria[key] = text
        missing = [str(v) for v in sorted(levels) if v not in raw]
        if missing:
            self.problem(where, f"criteria: missing level(s) {', '.join(missing)}")
        return criteria

    def leading_rule(
        self, raw: Any, frameworks: dict[str, dict], levels: dict[int, dict]
    ) -> LeadingRule | None:
        if raw is None:
            return None
        where = "leading_rule"
        rec = self.record(where, raw, _LEADING_RULE_KEYS)
        if rec is None:
            return None
        scale = rec["scale"]
        if scale not in ANSWER_SCALES:
            self.problem(where, f"unknown scale {scale!r} (one of {', '.join(ANSWER_SCALES)})")
        scope = rec["scope"]
        if scope != "overall" and scope not in frameworks:
            self.problem(where, f"scope must be 'overall' or a framework id (got {scope!r})")
        threshold = self.integer(where, rec, "threshold")
        if threshold is not None and threshold not in levels:
            self.problem(where, f"threshold {threshold} is not a level of the scale")
        description = self.text(where, rec, "description")
        source_id = self.source_ref(where, rec)
        if self.problems:
            return None
        return LeadingRule(scale, threshold, scope, description, source_id)

    def steps(
        self, raw_list: list, items: dict[str, dict]
    ) -> tuple[dict[str, tuple[str, tuple[str, ...]]], dict[str, str]]:
        steps: dict[str, tuple[str, tuple[str, ...]]] = {}
        step_of: dict[str, str] = {}
        for sid, where, rec in self.entries("steps", raw_list, _STEP_KEYS, "step"):
            title = self.text(where, rec, "title")
            member_ids = rec["items"]
            if not isinstance(member_ids, list) or not member_ids:
                self.problem(where, "'items' must be a non-empty list of item ids")
                continue
            for item_id in member_ids:
                if not isinstance(item_id, str):
                    self.problem(where, f"item ids must be quoted strings (got {item_id!r})")
                elif item_id not in items:
                    self.problem(where, f"unknown item '{item_id}'")
                elif step_of.get(item_id) == sid:
                    self.problem(where, f"lists item '{item_id}' twice")
                elif item_id in step_of:
                    self.problem(
                        f"item '{item_id}'",
                        f"appears in more than one step ('{step_of[item_id]}' and '{sid}')",
                    )
                else:
                    step_of[item_id] = sid
            steps[sid] = (title, tuple(member_ids))
        for item_id in items:
            if item_id not in step_of:
                self.problem(f"item '{item_id}'", "is in no step")
        return steps, step_of

    def framework_counts(self, frameworks: dict[str, dict], items: dict[str, dict]) -> None:
        for fid, framework in frameworks.items():
            actual = sum(1 for item in items.values() if item["framework"] == fid)
            expected = framework["item_count"]
            if expected is not None and expected != actual:
                self.problem(
                    f"framework '{fid}'", f"item_count is {expected} but {actual} items use it"
                )

    def kpi_groups(self, raw_list: list, frameworks: dict[str, dict]) -> dict[str, dict]:
        groups = {}
        for gid, where, rec in self.entries("kpi_groups", raw_list, _KPI_GROUP_KEYS, "kpi group"):
            framework = self.ident(where, rec, "framework")
            if framework is not None and framework not in frameworks:
                self.problem(where, f"unknown framework '{framework}'")
            groups[gid] = {
                "name": self.text(where, rec, "name"),
                "framework": framework,
                "guidance": self.text_list(where, rec, "guidance"),
            }
            self.source_ref(where, rec)
        return groups

    def kpi_examples(self, raw_list: list, groups: dict[str, dict]) -> dict[str, dict]:
        examples = {}
        for eid, where, rec in self.entries(
            "kpi_examples", raw_list, _KPI_EXAMPLE_KEYS, "kpi example"
        ):
            group_id = self.ident(where, rec, "group")
            if group_id is not None and group_id not in groups:
                self.problem(where, f"unknown kpi group '{group_id}'")
            value_type = rec["value_type"]
            if value_type not in VALUE_TYPES:
                self.problem(where, f"value_type must be one of {', '.join(VALUE_TYPES)}")
            examples[eid] = {
                "group_id": group_id,
                "category": self.text(where, rec, "category"),
                "name": self.text(where, rec, "name"),
                "unit": self.text(where, rec, "unit", nullable=True),
                "value_type": value_type,
                "scale": self.scale(where, rec, ordered=value_type == "ordered"),
                "description": self.text(where, rec, "description"),
                "note": self.text(where, rec, "note", nullable=True),
                "source_id": self.source_ref(where, rec),
            }
        return examples

    def scale(self, where: str, rec: dict, ordered: bool) -> tuple[str, ...] | None:
        if rec.get("scale") is None:
            if ordered:
                self.problem(where, "an ordered value_type needs a scale (best option first)")
            return None
        if not ordered:
            self.problem(where, "only an ordered value_type may have a scale")
            return None
        scale = self.text_list(where, rec, "scale")
        if scale is not None and (len(scale) < 2 or len(set(scale)) != len(scale)):
            self.problem(where, "a scale needs at least two distinct options")
        return scale
