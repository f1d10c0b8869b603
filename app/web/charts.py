"""Chart geometry computed in Python and drawn as inline SVG by templates/components/charts.html,
so charts render without JavaScript or any network access."""

import math
from dataclasses import dataclass

SIZE = 420
CENTER = SIZE / 2
RADIUS = 150
MAX_LEVEL = 5


@dataclass(frozen=True)
class Axis:
    label: str
    x1: float
    y1: float
    label_x: float
    label_y: float
    anchor: str


@dataclass(frozen=True)
class Series:
    key: str
    name: str
    points: str  # "x,y x,y ..." for <polygon points>


@dataclass(frozen=True)
class Radar:
    size: int
    axes: tuple[Axis, ...]
    rings: tuple[tuple[int, str], ...]  # (level, polygon points)
    series: tuple[Series, ...]
    reference: Series | None
    reference_label: str | None


def _point(i: int, n: int, value: float) -> tuple[float, float]:
    angle = -math.pi / 2 + 2 * math.pi * i / n
    r = RADIUS * max(0.0, min(value, MAX_LEVEL)) / MAX_LEVEL
    return CENTER + r * math.cos(angle), CENTER + r * math.sin(angle)


def _polygon(values: list[float]) -> str:
    n = len(values)
    return " ".join(f"{x:.1f},{y:.1f}" for x, y in (_point(i, n, v) for i, v in enumerate(values)))


def radar(
    labels: list[str],
    series: list[tuple[str, str, list[float | None]]],
    reference: tuple[str, float] | None = None,
) -> Radar:
    """labels: one per axis; series: (key, name, values 0-5, None where missing)."""
    n = len(labels)
    axes = []
    for i, label in enumerate(labels):
        x1, y1 = _point(i, n, MAX_LEVEL)
        lx, ly = _point(i, n, MAX_LEVEL * 1.18)
        anchor = "middle" if abs(lx - CENTER) < 10 else ("start" if lx > CENTER else "end")
        axes.append(Axis(label, x1, y1, lx, ly + 4, anchor))
    rings = tuple((lvl, _polygon([lvl] * n)) for lvl in range(1, MAX_LEVEL + 1))
    drawn = tuple(
        Series(key, name, _polygon([v if v is not None else 0 for v in values]))
        for key, name, values in series
        if any(v is not None for v in values)
    )
    ref = None
    if reference is not None:
        ref = Series("reference", reference[0], _polygon([reference[1]] * n))
    return Radar(SIZE, tuple(axes), rings, drawn, ref, reference[0] if reference else None)


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None
    width_pct: float


def bar(label: str, value: float | None) -> Bar:
    pct = 0.0 if value is None else 100 * max(0.0, min(value, MAX_LEVEL)) / MAX_LEVEL
    return Bar(label, value, round(pct, 1))
