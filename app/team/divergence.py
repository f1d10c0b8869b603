"""The divergence page's figures: the round's submitted views through scoring.divergence, laid
out by the assessment's own index version (its frameworks, groups and items, whatever they are).
Two statements per round whatever the team's size (the views, and last year's views)."""

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache

from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import Markup

from app.models.team import PERSPECTIVES
from app.team import services
from app.team.cache import cached
from app.web.numbers import score_text
from questionnaires import load_index
from scoring import structure_from_index
from scoring.divergence import (
    View,
    cell_means,
    group_means,
    item_spreads,
    spread_changes,
    widest_first,
    widest_gaps,
)


@lru_cache(maxsize=512)  # few distinct means: sums and counts of small integers
def figure(value: Fraction | None) -> str:
    """A mean as the pages write it (R9, two decimals)."""
    if value is None:
        return score_text(None)
    return score_text(Decimal(value.numerator) / Decimal(value.denominator))


@dataclass(frozen=True)
class Participant:
    id: int
    perspective: str
    label: str  # the perspective's label
    name: str


@dataclass(frozen=True, slots=True)
class HeatCell:
    label: str  # the perspective's label (screen-reader text of the cell)
    text: str  # the mean as written, or a dash
    shade: str  # CSS class of the cell's colour: the mean's nearest level


def heat_cell(label: str, mean: Fraction | None) -> HeatCell:
    if mean is None:
        return HeatCell(label, "—", "heat-none")
    return HeatCell(label, figure(mean), f"heat-{int(round(mean))}")


def _level_text(level: int | None) -> str:
    return "—" if level is None else str(level)


@dataclass(frozen=True, slots=True)
class ItemRow:
    item_id: str
    title: str
    spread: int | None
    views: Markup  # the participants' "current / target" cells, in the columns' order
    cells: Markup  # the heat map's cells, in the perspectives' order


def as_views(rows) -> list[View]:
    return [
        View(r.participant_id, r.perspective, r.item_id, r.current_level, r.target_level)
        for r in rows
    ]


def _cells(texts) -> Markup:
    """Table cells written once when the figures are built, not per request in a loop."""
    return Markup("").join(Markup('<td class="num">%s</td>') % t for t in texts)


def _heat_cells(cells: tuple[HeatCell, ...], mean_word: str) -> Markup:
    return Markup("").join(
        Markup('<td class="num %s"><span class="visually-hidden">%s %s </span>%s</td>')
        % (c.shade, c.label, mean_word, c.text)
        for c in cells
    )


def build(assessment, team) -> dict:
    """The page's figures, built once per set of submitted views (app/team/cache.py)."""
    people_key = services.submitted_people(team)
    earlier = services.previous_round(assessment)
    earlier_key = (
        (earlier[0].id, earlier[0].index_version, services.submitted_people(earlier[1]))
        if earlier
        else None
    )
    key = (
        "divergence",
        assessment.id,
        assessment.index_version,
        str(get_locale()),
        people_key,
        earlier_key,
    )
    return cached(key, lambda: _build(assessment, team, people_key, earlier))


def _build(assessment, team, people_key, earlier) -> dict:
    index = load_index(assessment.index_version)
    labels = {code: str(label) for code, label in services.PERSPECTIVE_LABELS.items()}  # once
    submitted = {person[0] for person in people_key}
    rows = [r for r in services.round_views(team) if r.participant_id in submitted]
    views = as_views(rows)
    item_ids = [item.id for item in index.items]
    spreads = item_spreads(views, item_ids)

    levels: dict[str, dict] = {}
    for r in rows:
        levels.setdefault(r.item_id, {})[r.participant_id] = (
            f"{_level_text(r.current_level)} / {_level_text(r.target_level)}"
        )
    order = {p: n for n, p in enumerate(PERSPECTIVES)}
    people = sorted(
        (Participant(pid, persp, labels[persp], name) for pid, persp, name, _at in people_key),
        key=lambda p: (order[p.perspective], p.id),
    )
    present = [p for p in PERSPECTIVES if any(x.perspective == p for x in people)]
    cells = cell_means(views)
    mean_word = _("平均")
    items = [
        ItemRow(
            s.item_id,
            index.item(s.item_id).title,
            s.spread,
            _cells(levels.get(s.item_id, {}).get(p.id, "—") for p in people),
            _heat_cells(
                tuple(heat_cell(labels[p], cells.get((s.item_id, p))) for p in present),
                mean_word,
            ),
        )
        for s in widest_first(spreads)
        if s.count
    ]

    structure = structure_from_index(index)
    means = group_means(views, structure.framework_of)
    frameworks = [
        (
            index.framework(fid).name,
            [(labels[p], figure(means.get((fid, p)))) for p in present],
        )
        for fid in structure.framework_ids
    ]
    sentences = [
        _(
            "%(high)sは「%(group)s」を%(low)sより%(diff)sレベル高く評価",
            high=labels[g.high],
            group=index.framework(g.group).name,
            low=labels[g.low],
            diff=_one_place(g.difference),
        )
        for g in widest_gaps(means, structure.framework_ids, PERSPECTIVES)
    ]
    return {
        "people": people,
        "perspectives": [(p, labels[p]) for p in present],
        "rows": items,
        "frameworks": frameworks,
        "sentences": sentences,
        "history": _history(index, spreads, earlier),
    }


def _one_place(value: Fraction) -> str:
    from scoring import round_half_away

    return f"{round_half_away(Decimal(value.numerator) / Decimal(value.denominator), 1):.1f}"


def _history(index, spreads, earlier):
    """Last team year's spread beside this year's, for the items in both versions."""
    if earlier is None:
        return None
    last_year, last_round = earlier
    before = item_spreads(
        as_views(services.round_views(last_round, submitted_only=True)),
        [i.id for i in load_index(last_year.index_version).items],
    )
    changes = spread_changes(spreads, before)
    return {
        "fiscal_year": last_year.fiscal_year,
        "rows": [(c, index.item(c.item_id).title) for c in changes],
    }
