"""Markup that depends only on the index, rendered once per app and index version.

The step page draws 2 level pickers of 6 options per item, and the review page a heading and
2 level labels per item. Rendering those macros on every GET cost more than the rest of the
page (see bench/run.py). The index is immutable, so the same macros
(templates/components/levels.html) now run once; a request only picks the ready-made pieces.
Only the chosen option and the disabled state vary, so each option is kept in its 4 variants.
"""

from dataclasses import dataclass

from flask import current_app
from markupsafe import Markup

MACROS = "components/levels.html"
PICKERS = (("current", "現在のレベル（現在値）"), ("target", "3年後の目標レベル（目標値）"))


@dataclass(frozen=True, slots=True)
class LevelPicker:
    part: str
    name: str  # the radio group's field name, also the fieldset's id
    legend: str
    values: tuple[str, ...]
    variants: dict  # (editable, checked) -> one rendered option per level

    def options(self, value, editable: bool) -> Markup:
        chosen = "" if value is None else str(value)  # a level, or a re-shown posted string
        plain, checked = self.variants[editable, False], self.variants[editable, True]
        # Every part is Markup already: Markup("").join would escape (copy) each one again.
        html = "".join(checked[i] if v == chosen else plain[i] for i, v in enumerate(self.values))
        return Markup(html)  # noqa: S704 - joined from macro output only


@dataclass(frozen=True, slots=True)
class ItemView:
    id: str
    kind: str
    heading: Markup  # number, badge, title and question (step page)
    label: Markup  # number, title and KQ badge (review page)
    pickers: tuple[LevelPicker, ...]


@dataclass(frozen=True, slots=True)
class Fragments:
    level_labels: dict  # level value (or None) -> "2 名前" / 未回答
    steps: dict  # step id -> tuple of ItemView, in step order

    def review_rows(self, step_id: str, answers: dict, lower_ids) -> list[tuple]:
        """(item, target below current?, current label, target label, evidence, action) per
        item of the step: plain tuples, which the review table unpacks without look-ups."""
        labels, rows = self.level_labels, []
        for item in self.steps[step_id]:
            a = answers.get(item.id)
            if a is None:
                rows.append((item, False, labels[None], labels[None], "", ""))
            else:
                current, target = labels[a.current_level], labels[a.target_level]
                rows.append((item, item.id in lower_ids, current, target, a.evidence, a.action))
        return rows


def fragments(index) -> Fragments:
    """The fragments for ``index``, built on first use and kept on the app.

    Keyed by the macro template too: with template auto-reload (development), an edited
    levels.html is a new template object and the fragments are rebuilt from it.
    """
    macros = current_app.jinja_env.get_template(MACROS)
    cache = current_app.extensions.setdefault("assessment_fragments", {})
    key = (index.version_id, macros)
    if key not in cache:
        cache[key] = _build(index, macros.module)
    return cache[key]


def _build(index, m) -> Fragments:
    values = tuple(str(level.value) for level in index.levels)

    def picker(item_id, part, legend):
        name = f"item-{item_id}-{part}"
        variants = {
            (editable, checked): tuple(
                m.level_option(name, level, checked, editable) for level in index.levels
            )
            for editable in (True, False)
            for checked in (False, True)
        }
        return LevelPicker(part, name, legend, values, variants)

    items = {
        item.id: ItemView(
            item.id,
            item.kind,
            m.item_heading(item),
            m.item_label(item),
            tuple(picker(item.id, part, legend) for part, legend in PICKERS),
        )
        for item in index.items
    }
    labels = {value: m.level_label(index.levels, value) for value in (None, *index.level_values)}
    steps = {step.id: tuple(items[i] for i in step.item_ids) for step in index.steps}
    return Fragments(labels, steps)
