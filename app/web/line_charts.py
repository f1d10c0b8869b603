"""Line-chart geometry (years across, values up), drawn as inline SVG by
templates/components/line_charts.html: no JavaScript, no inline styles.

A missing year is a gap: points are joined only between consecutive years that both have a
value, so a chart never suggests a value nobody entered.
"""

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property

from flask_babel import gettext as _


@dataclass(frozen=True)
class Frame:
    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int

    @property
    def plot_right(self) -> int:
        return self.width - self.right

    @property
    def plot_bottom(self) -> int:
        return self.height - self.bottom


FRAMES = {
    "full": Frame(560, 260, 76, 24, 16, 40),
    "half": Frame(360, 200, 36, 22, 12, 30),  # two or three side by side
    "compact": Frame(260, 120, 64, 18, 8, 22),  # a card on the progress page
    "mini": Frame(200, 72, 22, 18, 6, 18),  # a table row (qualitative targets)
}


@dataclass(frozen=True)
class LineData:
    """One series: ``values`` maps year -> number; ``labels`` year -> text for tooltips."""

    key: str
    name: str
    values: Mapping[int, float]
    labels: Mapping[int, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Tick:
    pos: float
    label: str


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    title: str


@dataclass(frozen=True)
class Line:
    key: str
    name: str
    paths: tuple[str, ...]  # "x,y x,y ..." for <polyline points>, one per unbroken run
    points: tuple[Point, ...]


@dataclass(frozen=True)
class LineChart:
    frame: Frame
    x_ticks: tuple[Tick, ...]
    y_ticks: tuple[Tick, ...]
    lines: tuple[Line, ...]
    size: str

    def __hash__(self) -> int:
        return self._hash

    @cached_property
    def _hash(self) -> int:
        # Charts are keys of the markup cache (app/web/chart_markup.py), looked up for every
        # item row on every request: hashing their nested tuples once per chart, not per look-up.
        return hash((self.frame, self.x_ticks, self.y_ticks, self.lines, self.size))

    @property
    def compact(self) -> bool:
        return self.size in ("compact", "mini")


def short_number(value: float) -> str:
    """Tick labels: 万 and 億 for large numbers, at most six decimals, never 1e+06."""
    for size, suffix in ((1e12, "兆"), (1e8, "億"), (1e4, "万")):
        if abs(value) >= size:
            return _trim(value / size) + suffix
    return _trim(value)


def _trim(value: float) -> str:
    text = f"{value:,.6f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _nice_step(span: float, count: int) -> float:
    raw = span / max(count, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if factor * magnitude >= raw:
            return factor * magnitude
    return 10 * magnitude


def _value_range(lines: Sequence[LineData]) -> tuple[float, float]:
    values = [v for line in lines for v in line.values.values() if math.isfinite(v)]
    if not values:
        return 0.0, 1.0
    lo, hi = min(values), max(values)
    if lo == hi:
        pad = abs(lo) * 0.1 or 1.0
        lo, hi = lo - pad, hi + pad
    if lo > 0 and lo < (hi - lo):  # start at zero when zero is close anyway
        lo = 0.0
    step = _nice_step(hi - lo, 4)
    return math.floor(lo / step) * step, math.ceil(hi / step) * step


def line_chart(
    years: Sequence[int],
    lines: Sequence[LineData],
    *,
    y_range: tuple[float, float] | None = None,
    y_labels: Mapping[float, str] | None = None,
    size: str = "full",
) -> LineChart:
    """Geometry for ``lines`` over ``years`` (consecutive fiscal years, oldest first).

    ``y_labels`` puts labelled ticks at given values (ordered scales, maturity levels);
    otherwise about five round-numbered ticks are chosen. ``size`` is a key of FRAMES.
    """
    frame = FRAMES[size]
    compact = size in ("compact", "mini")
    years = list(years)
    if y_range is None and y_labels:
        y_range = (min(y_labels), max(y_labels))
    lo, hi = y_range if y_range is not None else _value_range(lines)
    if hi == lo:
        hi = lo + 1
    width = frame.plot_right - frame.left
    height = frame.plot_bottom - frame.top

    def x_of(year: int) -> float:
        if len(years) == 1:
            return frame.left + width / 2
        return frame.left + width * (year - years[0]) / (years[-1] - years[0])

    def y_of(value: float) -> float:
        clamped = min(max(value, lo), hi)  # an absurd value stays on the chart's edge
        return frame.plot_bottom - height * (clamped - lo) / (hi - lo)

    if y_labels:
        y_ticks = tuple(Tick(y_of(v), label) for v, label in sorted(y_labels.items()))
    else:
        step = _nice_step(hi - lo, 4)
        count = round((hi - lo) / step)
        y_ticks = tuple(
            Tick(y_of(lo + i * step), short_number(lo + i * step)) for i in range(count + 1)
        )
    shown = years if not compact else [y for y in years if y in (years[0], years[-1])]
    x_ticks = tuple(Tick(x_of(y), str(y)) for y in shown)

    drawn = []
    for data in lines:
        present = [y for y in years if y in data.values and math.isfinite(data.values[y])]
        runs: list[list[int]] = []
        for year in present:
            if runs and runs[-1][-1] == year - 1:
                runs[-1].append(year)
            else:
                runs.append([year])
        paths = tuple(
            " ".join(f"{x_of(y):.1f},{y_of(data.values[y]):.1f}" for y in run)
            for run in runs
            if len(run) > 1
        )
        points = tuple(
            Point(
                x_of(y),
                y_of(data.values[y]),
                _(
                    "%(year)s年度: %(value)s",
                    year=y,
                    value=data.labels.get(y, short_number(data.values[y])),
                ),
            )
            for y in present
        )
        drawn.append(Line(data.key, data.name, paths, points))
    return LineChart(frame, x_ticks, y_ticks, tuple(drawn), size)
