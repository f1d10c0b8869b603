"""Geometry of the level distribution chart (stacked horizontal bars, one per item), drawn as
inline SVG by templates/reports/index.html: readable without JavaScript, with the same numbers
in the 項目別 table beside it and a text alternative per bar."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _

BAR_WIDTH = 360
LABEL_WIDTH = 70
BAR_HEIGHT = 14
GAP = 6


@dataclass(frozen=True)
class Segment:
    level: int
    x: float
    width: float
    count: int


@dataclass(frozen=True)
class Bar:
    label: str
    y: float
    segments: tuple[Segment, ...]
    text: str  # screen-reader text


@dataclass(frozen=True)
class Distribution:
    width: int
    height: int
    label_width: int
    bar_height: int
    bars: tuple[Bar, ...]


def distribution(report) -> Distribution | None:
    focus = report.focus
    if focus is None or not focus.shown:
        return None
    # Each message looked up once, then filled in per bar (35 bars x 8 texts per page).
    level_text, item_text, item_label = (
        _("レベル%(level)s %(count)s社"),
        _("項目%(id)s: %(counts)s"),
        _("項目%(id)s"),
    )
    separator = _("、")
    bars = []
    for k, item in enumerate(report.index.items):
        levels = focus.figures["items"][item.id]["levels"]
        total = sum(levels)
        x, segments = float(LABEL_WIDTH), []
        for level, count in enumerate(levels):
            width = BAR_WIDTH * count / total if total else 0.0
            if count:
                segments.append(Segment(level, round(x, 2), round(width, 2), count))
            x += width
        counts = separator.join(
            level_text % {"level": lv, "count": c} for lv, c in enumerate(levels) if c
        )
        text = item_text % {"id": item.id, "counts": counts}
        bars.append(
            Bar(item_label % {"id": item.id}, k * (BAR_HEIGHT + GAP), tuple(segments), text)
        )
    height = len(bars) * (BAR_HEIGHT + GAP) + 24
    return Distribution(LABEL_WIDTH + BAR_WIDTH + 10, height, LABEL_WIDTH, BAR_HEIGHT, tuple(bars))


@dataclass(frozen=True)
class MeanBar:
    label: str
    y: float
    width: float  # current mean on the 0-5 scale
    target_x: float  # where the target mean falls
    text: str  # screen-reader text


@dataclass(frozen=True)
class BureauMeans:
    width: int
    height: int
    label_width: int
    bar_height: int
    scale_width: int
    bars: tuple[MeanBar, ...]


BUREAU_LABEL_WIDTH = 165


def bureau_means(report) -> BureauMeans | None:
    """The national page: each published bureau's mean current level as a bar and its mean
    target as a tick (suppressed bureaus have no bar; the table beside it says 非公表)."""
    bureaus = next((cells for t, cells in report.breakdowns if t.key == "bureau"), None)
    if not bureaus:
        return None
    bars = []
    for k, cell in enumerate(bureaus):
        y = k * (BAR_HEIGHT + GAP)
        if not cell.shown or cell.figures["overall"]["current_mean"] is None:
            bars.append(MeanBar(cell.label, y, 0.0, 0.0, _("%(label)s: 非公表", label=cell.label)))
            continue
        current = cell.figures["overall"]["current_mean"]
        target = cell.figures["overall"]["target_mean"] or 0.0
        bars.append(
            MeanBar(
                cell.label,
                y,
                round(BAR_WIDTH * current / 5, 2),
                round(BUREAU_LABEL_WIDTH + BAR_WIDTH * target / 5, 2),
                _(
                    "%(label)s: 現在値の平均 %(current).2f、目標値の平均 %(target).2f",
                    label=cell.label,
                    current=current,
                    target=target,
                ),
            )
        )
    height = len(bars) * (BAR_HEIGHT + GAP) + 24
    return BureauMeans(
        BUREAU_LABEL_WIDTH + BAR_WIDTH + 10,
        height,
        BUREAU_LABEL_WIDTH,
        BAR_HEIGHT,
        BAR_WIDTH,
        tuple(bars),
    )
