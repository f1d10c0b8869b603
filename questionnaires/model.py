"""Frozen value objects describing one version of the DX推進指標.

Instances are built by :mod:`questionnaires.loader`, which validates the data file first; the
classes themselves only hold data and offer lookups. Everything is immutable, so one loaded
index can be shared by every request and every worker thread.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal, TypeVar

ItemKind = Literal["KQ", "SQ"]
ITEM_KINDS: tuple[str, ...] = ("KQ", "SQ")

# How far a text may be trusted (``sources`` section of a version file):
#   verified   official wording, checked against a named source
#   unverified a recollection or paraphrase: kept for reviewers, never shown as official
#   synthetic  made up on purpose (test fixtures); shown only with the version's 非公式 label
SOURCE_STATUSES: tuple[str, ...] = ("verified", "unverified", "synthetic")
# The two answer scales of every item; a leading-company rule names one of them.
ANSWER_SCALES: tuple[str, ...] = ("current", "target")

# The one list of KPI value types: the data files use these ids, the database checks them
# (app/models/kpi.py) and app/kpis/value_types.py gives each its label and input rules.
VALUE_TYPES: tuple[str, ...] = (
    "number",
    "percent",
    "yen",
    "people",
    "count",
    "days",
    "times",
    "ratio",
    "ordered",
)


@dataclass(frozen=True, slots=True)
class Source:
    """Where the texts of a version come from, and how far they may be trusted."""

    id: str
    title: str
    status: str  # one of SOURCE_STATUSES
    url: str | None = None

    @property
    def shown_as_official(self) -> bool:
        return self.status == "verified"


@dataclass(frozen=True, slots=True)
class Framework:
    """A top-level part of the qualitative index: a framework (2019: 経営 / ITシステム) or a
    pillar of later versions. Any number, any names: the data file decides."""

    id: str
    name: str
    ipa_label: str | None
    item_ids: tuple[str, ...]
    source_id: str | None = None


@dataclass(frozen=True, slots=True)
class Level:
    """A generic maturity level shared by every item; names and descriptions per version."""

    value: int
    name: str
    description: str
    source_id: str | None = None


@dataclass(frozen=True, slots=True)
class LeadingRule:
    """The version's 先行企業 rule: mean ``scale`` level over ``scope`` (``overall`` or a
    framework id) at least ``threshold``."""

    scale: str  # one of ANSWER_SCALES
    threshold: int
    scope: str
    description: str
    source_id: str


@dataclass(frozen=True, slots=True)
class Item:
    """A qualitative item: a key question (KQ) or one of its sub-questions (SQ).

    ``question`` holds the official wording only; it is None when no verified text exists.
    ``question_unverified`` is a recollection kept for reviewers and must never be shown as
    the official question.
    """

    id: str
    parent_id: str | None
    kind: ItemKind
    framework_id: str
    category: str
    subcategory: str | None
    title: str
    question: str | None
    question_verified: bool
    question_unverified: str | None
    step_id: str
    # Item-specific level criteria ((level value, text), ...) for every level, only from a
    # source that may be shown (verified or synthetic); None: show the generic descriptions.
    # Pairs rather than a dict so that an Item stays hashable.
    criteria: tuple[tuple[int, str], ...] | None = None
    criteria_source_id: str | None = None
    # Criteria whose source is unverified: kept for reviewers, never shown.
    criteria_unverified: tuple[tuple[int, str], ...] | None = None

    def criterion(self, value: int) -> str | None:
        """The item-specific text for level ``value``, or None (use the generic one)."""
        return dict(self.criteria or ()).get(value)

    @property
    def is_key_question(self) -> bool:
        return self.kind == "KQ"

    @property
    def group_id(self) -> str:
        """The id of the key question this item belongs to (its own id for a KQ)."""
        return self.id if self.parent_id is None else self.parent_id


@dataclass(frozen=True, slots=True)
class ItemGroup:
    """A key question followed by its sub-questions, in definition order."""

    id: str
    title: str
    framework_id: str
    item_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Step:
    """One page of the answering flow."""

    id: str
    title: str
    item_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class KpiGroup:
    id: str
    name: str
    framework_id: str
    guidance: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class KpiExample:
    """An example quantitative indicator; companies define their own KPIs from these.

    ``scale`` is set only for ``value_type == "ordered"`` and lists the options best first.
    """

    id: str
    group_id: str
    category: str
    name: str
    unit: str | None
    value_type: str  # one of VALUE_TYPES
    scale: tuple[str, ...] | None
    description: str
    note: str | None
    source_id: str | None = None


_T = TypeVar("_T")


def _find(objects: tuple[_T, ...], key: object, attr: str = "id") -> _T:
    for obj in objects:
        if getattr(obj, attr) == key:
            return obj
    raise KeyError(key)


@dataclass(frozen=True, slots=True)
class Index:
    """A complete, validated index version.

    ``index_id``, ``publisher`` and ``published`` are optional metadata. Lookups by id raise
    KeyError for unknown ids.
    """

    version_id: str
    title: str
    source: str
    frameworks: tuple[Framework, ...]
    levels: tuple[Level, ...]
    items: tuple[Item, ...]
    steps: tuple[Step, ...]
    kpi_groups: tuple[KpiGroup, ...]
    kpi_examples: tuple[KpiExample, ...]
    index_id: str | None = None
    publisher: str | None = None
    published: str | None = None
    sources: tuple[Source, ...] = ()
    framework_label: str = "枠組み"
    synthetic: bool = False
    leading_rule: LeadingRule | None = None
    default_source_id: str | None = None  # meta.default_source: the source of most texts
    _items_by_id: Mapping[str, Item] = field(init=False, repr=False, compare=False)
    _groups: tuple[ItemGroup, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Derived state; the dataclass is frozen, hence object.__setattr__.
        object.__setattr__(
            self, "_items_by_id", MappingProxyType({item.id: item for item in self.items})
        )
        members: dict[str, list[str]] = {}
        for item in self.items:
            members.setdefault(item.group_id, []).append(item.id)
        groups = tuple(
            ItemGroup(item.id, item.title, item.framework_id, tuple(members[item.id]))
            for item in self.items
            if item.is_key_question
        )
        object.__setattr__(self, "_groups", groups)

    # -- items -------------------------------------------------------------------------
    def item(self, item_id: str) -> Item:
        return self._items_by_id[item_id]

    def has_item(self, item_id: str) -> bool:
        return item_id in self._items_by_id

    @property
    def item_ids(self) -> tuple[str, ...]:
        return tuple(self._items_by_id)

    @property
    def groups(self) -> tuple[ItemGroup, ...]:
        return self._groups

    def group(self, group_id: str) -> ItemGroup:
        return _find(self._groups, group_id)

    def framework(self, framework_id: str) -> Framework:
        return _find(self.frameworks, framework_id)

    def items_in_framework(self, framework_id: str) -> tuple[Item, ...]:
        return tuple(self.item(item_id) for item_id in self.framework(framework_id).item_ids)

    @property
    def item_count(self) -> int:
        return len(self.items)

    def source_of(self, source_id: str | None) -> Source | None:
        return None if source_id is None else _find(self.sources, source_id)

    @property
    def has_item_criteria(self) -> bool:
        return any(item.criteria for item in self.items)

    # -- levels ------------------------------------------------------------------------
    @property
    def level_values(self) -> tuple[int, ...]:
        return tuple(level.value for level in self.levels)

    def level(self, value: int) -> Level:
        return _find(self.levels, value, attr="value")

    # -- steps -------------------------------------------------------------------------
    def step(self, step_id: str) -> Step:
        return _find(self.steps, step_id)

    def has_step(self, step_id: str) -> bool:
        return any(step.id == step_id for step in self.steps)

    def items_in_step(self, step_id: str) -> tuple[Item, ...]:
        return tuple(self.item(item_id) for item_id in self.step(step_id).item_ids)

    def next_step(self, step_id: str) -> Step | None:
        position = self.steps.index(self.step(step_id)) + 1
        return self.steps[position] if position < len(self.steps) else None

    def previous_step(self, step_id: str) -> Step | None:
        position = self.steps.index(self.step(step_id)) - 1
        return self.steps[position] if position >= 0 else None

    # -- KPI examples ------------------------------------------------------------------
    def kpi_group(self, group_id: str) -> KpiGroup:
        return _find(self.kpi_groups, group_id)

    def kpi_example(self, example_id: str) -> KpiExample:
        return _find(self.kpi_examples, example_id)

    def kpi_examples_in_group(self, group_id: str) -> tuple[KpiExample, ...]:
        self.kpi_group(group_id)  # KeyError for an unknown group
        return tuple(e for e in self.kpi_examples if e.group_id == group_id)
