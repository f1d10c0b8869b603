"""The cells of a report release (sets of companies) and the lines they add up in.

Cell keys: ``all`` (the nation), ``b:<bureau>``, ``p:<prefecture>``, and
``<scope>|<dimension>:<value>`` with scope ``national`` or a bureau code and dimension
``i`` (JSIC division), ``s`` (size class) or ``c`` (first or repeat submitter).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from flask_babel import gettext as _
from flask_babel import lazy_gettext

from app.reports.disclosure import Line
from questionnaires import reference

NATIONAL = "national"
NATIONAL_NAME = lazy_gettext("全国")
ALL = "all"
SIZE_VALUES = (
    ("small", lazy_gettext("小規模企業者")),
    ("sme", lazy_gettext("中小企業者（小規模企業者を除く）")),
    ("large", lazy_gettext("大企業")),
    ("unknown", lazy_gettext("判定不能（資本金・従業員数が未登録）")),
)
COHORT_VALUES = (
    ("first", lazy_gettext("初回提出の企業")),
    ("repeat", lazy_gettext("前年度以前にも提出した企業")),
)


@dataclass(frozen=True)
class Dimension:
    code: str  # in cell keys
    param: str  # in the query string
    heading: str  # page section heading
    title: str  # table caption, export sheet title
    first_column: str

    def values(self) -> tuple[tuple[str, str], ...]:
        if self.code == "i":
            return tuple(reference.jsic_divisions().items())
        if self.code == "s":
            return SIZE_VALUES
        return COHORT_VALUES


DIMENSIONS = (
    Dimension(
        "i",
        "industry",
        lazy_gettext("業種別"),
        lazy_gettext("業種別（日本標準産業分類 大分類）"),
        lazy_gettext("業種"),
    ),
    Dimension(
        "s",
        "size",
        lazy_gettext("企業規模別"),
        lazy_gettext("企業規模別（中小企業基本法の区分）"),
        lazy_gettext("企業規模"),
    ),
    Dimension(
        "c",
        "cohort",
        lazy_gettext("初回・継続提出別"),
        lazy_gettext("初回提出・継続提出別"),
        lazy_gettext("提出区分"),
    ),
)


@dataclass(frozen=True)
class Member:
    """One company's contribution to a release (what decides its cells)."""

    company_id: int
    submission: tuple[int, int]  # (assessment id, version counter)
    bureau: str
    prefecture: str
    industry: str
    size: str
    cohort: str


def bureau_key(code: str) -> str:
    return f"b:{code}"


def prefecture_key(code: str) -> str:
    return f"p:{code}"


def dimension_key(scope: str, dimension: str, value: str) -> str:
    return f"{scope}|{dimension}:{value}"


def scope_total(scope: str) -> str:
    return ALL if scope == NATIONAL else bureau_key(scope)


def cells_of(member: Member) -> tuple[str, ...]:
    return cells_for(member.bureau, member.prefecture, member.industry, member.size, member.cohort)


@lru_cache(maxsize=16384)  # a release build asks for every member (~100k), a few thousand kinds
def cells_for(bureau: str, prefecture: str, industry: str, size: str, cohort: str):
    """The cells of a member with these facts (a stored release member's columns)."""
    values = {"i": industry, "s": size, "c": cohort}
    keys = [ALL, bureau_key(bureau), prefecture_key(prefecture)]
    for scope in (NATIONAL, bureau):
        keys += [dimension_key(scope, d, v) for d, v in values.items()]
    return tuple(keys)


@lru_cache(maxsize=1)
def all_cells() -> tuple[str, ...]:
    keys = [ALL]
    for bureau in reference.bureaus():
        keys.append(bureau_key(bureau.code))
        keys += [prefecture_key(p) for p in bureau.prefecture_codes]
    for scope in (NATIONAL, *(b.code for b in reference.bureaus())):
        for dim in DIMENSIONS:
            keys += [dimension_key(scope, dim.code, v) for v, _label in dim.values()]
    return tuple(keys)


@lru_cache(maxsize=1)
def lines() -> tuple[Line, ...]:
    bureaus = reference.bureaus()
    result = [Line(ALL, tuple(bureau_key(b.code) for b in bureaus))]
    result += [
        Line(bureau_key(b.code), tuple(prefecture_key(p) for p in b.prefecture_codes))
        for b in bureaus
    ]
    for scope in (NATIONAL, *(b.code for b in bureaus)):
        for dim in DIMENSIONS:
            rows = tuple(dimension_key(scope, dim.code, v) for v, _label in dim.values())
            result.append(Line(scope_total(scope), rows))
    for dim in DIMENSIONS:
        for value, _label in dim.values():
            result.append(
                Line(
                    dimension_key(NATIONAL, dim.code, value),
                    tuple(dimension_key(b.code, dim.code, value) for b in bureaus),
                )
            )
    return tuple(result)


@dataclass(frozen=True)
class Table:
    """A breakdown table of one scope: its title and (cell key, row label) rows."""

    key: str
    heading: str
    title: str
    first_column: str
    rows: tuple[tuple[str, str], ...]


def scope_name(scope: str) -> str:
    return NATIONAL_NAME if scope == NATIONAL else reference.bureau(scope).name


def tables(scope: str) -> tuple[Table, ...]:
    """The breakdown tables a scope's page shows (the national one has every bureau)."""
    prefectures = reference.prefectures()
    result = []
    if scope == NATIONAL:
        result.append(
            Table(
                "bureau",
                _("経済産業局別"),
                _("経済産業局別（各局の管轄の合計）"),
                _("経済産業局"),
                tuple((bureau_key(b.code), b.name) for b in reference.bureaus()),
            )
        )
        codes = tuple(prefectures)
    else:
        codes = reference.bureau(scope).prefecture_codes
    result.append(
        Table(
            "prefecture",
            _("都道府県別"),
            _("都道府県別"),
            _("都道府県"),
            tuple((prefecture_key(c), prefectures[c]) for c in codes),
        )
    )
    for dim in DIMENSIONS:
        rows = tuple((dimension_key(scope, dim.code, v), label) for v, label in dim.values())
        result.append(Table(dim.param, dim.heading, dim.title, dim.first_column, rows))
    return tuple(result)


def filter_choices(scope: str) -> dict[str, tuple[tuple[str, str], ...]]:
    """Query parameter -> (value, label) pairs a scope's page may filter on (one at a time)."""
    choices = {}
    for table in tables(scope):
        choices[table.key] = tuple((key.rsplit(":", 1)[1], label) for key, label in table.rows)
    return choices


def filtered_cell(scope: str, param: str, value: str) -> tuple[str, str] | None:
    """(cell key, label) of one filter value within the scope; None when not one of its rows."""
    for table in tables(scope):
        if table.key == param:
            for key, label in table.rows:
                if key.rsplit(":", 1)[1] == value:
                    return key, label
    return None
