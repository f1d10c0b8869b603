"""The KPI feature's one cache place: an indicator's status and progress chart, remembered per
worker process.

Both are pure functions of the indicator's figures (value type, unit, scale, direction,
baseline and target), its stored values, the fiscal year they are judged in, the chart's size
and the language (the chart's texts are translated). The key holds all of these, so an entered
or removed value, a revised target, an edited unit or scale, a new cycle, a new fiscal year or
another language gives a new key, and an old entry simply ages out. The results are immutable
(frozen dataclasses). Bounded by ``KPI_CHART_CACHE_SIZE`` (least recently used first out);
0 = off.
"""

from collections.abc import Callable, Hashable

from app.web.drawn_cache import DrawnParts

DEFAULT_SIZE = 1024

_STORE = DrawnParts(DEFAULT_SIZE, "KPI_CHART_CACHE_SIZE")


def indicator_key(indicator, values: dict, as_of: int, size: str, locale: str) -> tuple:
    """Everything an indicator's status and chart depend on."""
    return (
        locale,
        size,
        as_of,
        indicator.value_type,
        indicator.unit,
        tuple(indicator.scale or ()),
        indicator.direction,
        indicator.baseline_year,
        str(indicator.baseline_value),
        indicator.target_year,
        str(indicator.target_value),
        tuple(sorted((year, str(value)) for year, value in values.items())),
    )


def cached(key: Hashable, build: Callable[[], object]):
    return _STORE.get_or_draw(key, build)


def clear() -> None:
    _STORE.clear()
