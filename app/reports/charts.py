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
        counts = _("、").join(
            _("レベル%(level)s %(count)s社", level=lv, count=c) for lv, c in enumerate(levels) if c
        )
        text = _("項目%(id)s: %(counts)s", id=item.id, counts=counts)
        bars.append(Bar(_("項目%(id)s", id=item.id), k * (BAR_HEIGHT + GAP), tuple(segments), text))
    height = len(bars) * (BAR_HEIGHT + GAP) + 24
    return Distribution(LABEL_WIDTH + BAR_WIDTH + 10, height, LABEL_WIDTH, BAR_HEIGHT, tuple(bars))
