"""Reference tables the app needs around the index: prefectures and regional bureaus, JSIC
divisions, SME size thresholds and IPA's published national averages.

The data lives in ``questionnaires/reference/*.yaml`` (sources named in each file's header) and is
read once per process on first use. Functions returning dicts return fresh copies.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal, TypeVar

import yaml

DATA_DIR = Path(__file__).resolve().parent / "reference"

SizeClass = Literal["small", "sme", "large"]
_T = TypeVar("_T")

# Default 中小企業基本法 sector for a JSIC division; the user can always override it. The Act's
# sectors follow JSIC at a finer level, so some divisions are mixed:
#   I 卸売業，小売業  -> wholesale (retail, 小売業, is the other half; pick it explicitly)
#   G 情報通信業      -> services (放送業・情報サービス業 etc. are サービス業 under the Act;
#                        通信業 and 新聞・出版業 fall under その他)
#   M 宿泊業，飲食サービス業 -> services (宿泊業; 飲食店 count as retail under the Act)
#   K 不動産業，物品賃貸業 -> manufacturing_and_other (不動産業; 物品賃貸業 is サービス業)
#   L, N, O, P, Q, R  -> services
#   everything else    -> manufacturing_and_other (製造業、建設業、運輸業その他の業種)
_SECTOR_BY_JSIC = {
    "I": "wholesale",
    "G": "services",
    "L": "services",
    "M": "services",
    "N": "services",
    "O": "services",
    "P": "services",
    "Q": "services",
    "R": "services",
}
_FALLBACK_SECTOR = "manufacturing_and_other"


class ReferenceDataError(ValueError):
    """A packaged reference table is inconsistent."""


@dataclass(frozen=True, slots=True)
class Bureau:
    code: str
    name: str
    seat: str
    prefecture_codes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SmeSector:
    id: str
    name: str
    sme_capital_max: int
    sme_employees_max: int
    small_employees_max: int


@dataclass(frozen=True, slots=True)
class FrameworkAverage:
    current_mean: float | None
    current_median: float | None
    target_mean: float | None
    target_median: float | None


@dataclass(frozen=True, slots=True)
class NationalAverage:
    """IPA's national figures for one data year; None where IPA published nothing found."""

    data_year: int
    published: str
    companies: int
    current_mean: float | None
    target_mean: float | None
    current_median: float | None
    target_median: float | None
    leading_share: float | None
    frameworks: Mapping[str, FrameworkAverage] = field(hash=False)
    notes: str | None


def _read(name: str) -> Any:
    return yaml.safe_load((DATA_DIR / name).read_text(encoding="utf-8"))


def _first(matches: Iterator[_T], key: object) -> _T:
    """The first match; KeyError(key) when there is none."""
    for match in matches:
        return match
    raise KeyError(key)


# -- prefectures and bureaus -------------------------------------------------------------------
@lru_cache(maxsize=1)
def _bureau_data() -> tuple[Mapping[str, str], tuple[Bureau, ...]]:
    data = _read("bureaus.yaml")
    prefectures = {str(code): name for code, name in data["prefectures"].items()}
    bureaus = tuple(
        Bureau(
            code=b["code"],
            name=b["name"],
            seat=b["seat"],
            prefecture_codes=tuple(b["prefectures"]),
        )
        for b in data["bureaus"]
    )
    assigned = [code for bureau in bureaus for code in bureau.prefecture_codes]
    if sorted(assigned) != sorted(prefectures) or len(set(assigned)) != len(assigned):
        raise ReferenceDataError("bureaus.yaml: every prefecture must belong to exactly one bureau")
    return MappingProxyType(prefectures), bureaus


def prefectures() -> dict[str, str]:
    """JIS X 0401 code -> name, in code order ("13" -> "東京都")."""
    return dict(_bureau_data()[0])


def bureaus() -> tuple[Bureau, ...]:
    return _bureau_data()[1]


def bureau(code: str) -> Bureau:
    """The bureau with this code ("kanto"); KeyError when unknown."""
    return _first((b for b in bureaus() if b.code == code), code)


def bureau_for_prefecture(prefecture_code: str) -> Bureau:
    """The bureau whose jurisdiction includes the prefecture; KeyError when unknown."""
    return _first((b for b in bureaus() if prefecture_code in b.prefecture_codes), prefecture_code)


# -- industries and company size ---------------------------------------------------------------
@lru_cache(maxsize=1)
def _jsic() -> Mapping[str, str]:
    return MappingProxyType(
        {str(code): name for code, name in _read("jsic-2023.yaml")["divisions"].items()}
    )


def jsic_divisions() -> dict[str, str]:
    """JSIC (2023) division code -> name ("E" -> "製造業")."""
    return dict(_jsic())


@lru_cache(maxsize=1)
def sme_sectors() -> tuple[SmeSector, ...]:
    sectors = tuple(SmeSector(**row) for row in _read("sme-size.yaml")["sectors"])
    if len({s.id for s in sectors}) != len(sectors):
        raise ReferenceDataError("sme-size.yaml: duplicate sector id")
    return sectors


def sme_sector(sector_id: str) -> SmeSector:
    """The SME sector with this id; KeyError when unknown."""
    try:
        return _sme_sectors_by_id()[sector_id]
    except KeyError:
        raise KeyError(sector_id) from None


@lru_cache(maxsize=1)  # a release build asks once per counted company
def _sme_sectors_by_id() -> dict[str, SmeSector]:
    return {s.id: s for s in sme_sectors()}


def default_sme_sector(jsic_code: str) -> str:
    """A sensible default 中小企業基本法 sector id for a JSIC division (see _SECTOR_BY_JSIC)."""
    if jsic_code not in _jsic():
        raise KeyError(jsic_code)
    return _SECTOR_BY_JSIC.get(jsic_code, _FALLBACK_SECTOR)


def size_class(sector_id: str, capital_yen: int | None, employees: int | None) -> SizeClass | None:
    """Company size under 中小企業基本法 第2条.

    - "small": employees at or below the sector's small-enterprise limit (always an SME too);
    - "sme": capital OR employees at or below the sector's SME limit;
    - "large": both known and both above the limits;
    - None: undecidable, i.e. both inputs missing, or the known one is above its limit while
      the other (which could still make the company an SME) is missing.
    """
    sector = sme_sector(sector_id)
    for label, value in (("capital_yen", capital_yen), ("employees", employees)):
        if value is not None and (
            not isinstance(value, int) or isinstance(value, bool) or value < 0
        ):
            raise ValueError(f"{label} must be a non-negative integer or None (got {value!r})")
    if employees is not None and employees <= sector.small_employees_max:
        return "small"
    if (capital_yen is not None and capital_yen <= sector.sme_capital_max) or (
        employees is not None and employees <= sector.sme_employees_max
    ):
        return "sme"
    if capital_yen is not None and employees is not None:
        return "large"
    return None


# -- IPA national figures ----------------------------------------------------------------------
_FRAMEWORK_KEYS = ("current_mean", "current_median", "target_mean", "target_median")


def _optional_float(row: Mapping[str, Any], key: str) -> float | None:
    value = row.get(key)
    return None if value is None else float(value)


@lru_cache(maxsize=1)
def _ipa_national_data() -> Mapping[str, Any]:
    """The file, read once: the results page asks for its index version on every request."""
    return MappingProxyType(_read("ipa-national-averages.yaml"))


@lru_cache(maxsize=1)
def ipa_national_averages() -> tuple[NationalAverage, ...]:
    """IPA's published national figures, one per data year, oldest first."""
    rows = _ipa_national_data()["years"]
    averages = tuple(
        NationalAverage(
            data_year=int(row["data_year"]),
            published=str(row["published"]),
            companies=int(row["companies"]),
            current_mean=_optional_float(row, "current_mean"),
            target_mean=_optional_float(row, "target_mean"),
            current_median=_optional_float(row, "current_median"),
            target_median=_optional_float(row, "target_median"),
            leading_share=_optional_float(row, "leading_share"),
            frameworks=MappingProxyType(
                {
                    framework_id: FrameworkAverage(
                        **{key: _optional_float(values, key) for key in _FRAMEWORK_KEYS}
                    )
                    for framework_id, values in (row.get("frameworks") or {}).items()
                }
            ),
            notes=row.get("notes"),
        )
        for row in rows
    )
    years = [a.data_year for a in averages]
    if years != sorted(set(years)):
        raise ReferenceDataError("ipa-national-averages.yaml: data years must be unique and sorted")
    return averages


def ipa_national_averages_version() -> str:
    """The index version IPA's national figures were computed on (compare only with it)."""
    return str(_ipa_national_data()["index_version"])


def ipa_national_average(data_year: int) -> NationalAverage:
    """The national figures for one data year; KeyError when IPA published none we know of."""
    return _first((a for a in ipa_national_averages() if a.data_year == data_year), data_year)
