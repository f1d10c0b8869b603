"""Everything the questionnaire pages cache, in one place.

- Per app and index version: the markup that depends only on the index (level pickers, item
  headings, level labels) and the step form classes. The index is immutable, so the macros of
  templates/components/levels.html run once; a request only picks the ready-made pieces. Only
  the chosen option and the disabled state vary, so each option is kept in its 4 variants.
- Per request: the links of an assessment's flow (sidebar, progress panel, review page).
"""

from dataclasses import dataclass
from functools import lru_cache

from flask import current_app, g, url_for
from flask_babel import lazy_gettext
from markupsafe import Markup

from app.assessments.forms import PARTS, field_name, step_form_class
from app.assessments.services import (
    KPI_STEP,
    PROFILE_STEP,
    REVIEW_STEP,
    flow_sequence,
    index_of,
)
from questionnaires import load_index

MACROS = "components/levels.html"
LEVEL_PARTS = ("current", "target")
PICKERS = (
    ("current", lazy_gettext("現在のレベル（現在値）")),
    ("target", lazy_gettext("3年後の目標レベル（目標値）")),
)


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
    heading: Markup  # number, badge and title (the step page's summary line of the item)
    question: Markup  # the official question, or the unverified-wording notice (step page)
    label: Markup  # number, title and KQ badge (review page)
    pickers: tuple[LevelPicker, ...]
    evidence_name: str
    action_name: str


@dataclass(frozen=True, slots=True)
class ItemGroupView:
    """A key question with its sub-questions on a step page (one collapsible block)."""

    id: str
    title: str
    items: tuple[ItemView, ...]


@dataclass(frozen=True, slots=True)
class Fragments:
    level_labels: dict  # level value (or None) -> "2 名前" / 未回答
    steps: dict  # step id -> tuple of ItemView, in step order
    groups: dict  # step id -> tuple of ItemGroupView, in step order

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
    key = (index.version_id, id(index), macros)  # id: see step_form
    if key not in cache:
        cache[key] = _build(index, macros.module)
    return cache[key]


def _build(index, m) -> Fragments:
    values = tuple(str(level.value) for level in index.levels)

    def picker(item, part, legend):
        name = field_name(item.id, part)
        variants = {
            (editable, checked): tuple(
                m.level_option(name, level, checked, editable, item.criterion(level.value))
                for level in index.levels
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
            m.item_question(item),
            m.item_label(item),
            tuple(picker(item, part, legend) for part, legend in PICKERS),
            field_name(item.id, "evidence"),
            field_name(item.id, "action"),
        )
        for item in index.items
    }
    labels = {value: m.level_label(index.levels, value) for value in (None, *index.level_values)}
    steps = {step.id: tuple(items[i] for i in step.item_ids) for step in index.steps}
    groups = {}
    for step in index.steps:
        ids: dict[str, list[ItemView]] = {}
        for item_id in step.item_ids:
            ids.setdefault(index.item(item_id).group_id, []).append(items[item_id])
        groups[step.id] = tuple(
            ItemGroupView(gid, index.group(gid).title, tuple(views)) for gid, views in ids.items()
        )
    return Fragments(labels, steps, groups)


def step_form(index_version: str, step_id: str):
    """The FlaskForm class of one step (only a POST needs it: GET renders plain values)."""
    index = load_index(index_version)
    # Keyed by the loaded object too: a stored version replaced before any assessment used
    # it is a new object (the loader keeps every parsed object, so ids are never reused).
    return _step_form(index_version, id(index), step_id)


@lru_cache(maxsize=64)
def _step_form(index_version: str, index_key: int, step_id: str):
    index = load_index(index_version)
    return step_form_class(index.step(step_id), flow_sequence(index))


def form_values(form, step_def) -> dict:
    """A posted step form's values and errors per item, to draw the page again."""
    values = {}
    for item_id in step_def.item_ids:
        fields = {p: form[field_name(item_id, p)] for p in PARTS}
        row = {p: f.data or (None if p in LEVEL_PARTS else "") for p, f in fields.items()}
        row["errors"] = {p: f.errors for p, f in fields.items()}
        values[item_id] = row
    return values


def stash_values(payload, step_def, fallback) -> dict:
    """A kept (stashed) post laid over the stored values, to be shown as a restored draft."""
    values = {}
    for item_id in step_def.item_ids:
        row = dict(fallback[item_id])
        for part in PARTS:
            key = field_name(item_id, part)
            if key in payload:
                row[part] = str(payload[key])[:4000]
        values[item_id] = row
    return values


# The flow's pages that are not index steps. Keep in step with services.flow_sequence(): the
# step form accepts "goto:" + these keys and the steps' ids.
_FLOW_PAGES = {
    PROFILE_STEP: "assessments.profile_step",
    KPI_STEP: "assessments.kpi_step",
    REVIEW_STEP: "assessments.review",
}


def flow_urls(assessment) -> dict[str, str]:
    """URLs of the pages of an assessment's flow: the profile, each step, "kpis" and "review".
    Built once per request; the step links differ only in the step id (a slug, checked by the
    index loader), so url_for runs once for them."""
    cache = g.setdefault("_flow_urls", {})
    if assessment.id not in cache:
        marker, aid = "__step__", assessment.id
        pattern = url_for("assessments.step", assessment_id=aid, step_id=marker)
        urls = {s.id: pattern.replace(marker, s.id) for s in index_of(assessment).steps}
        urls.update(
            (page, url_for(endpoint, assessment_id=aid)) for page, endpoint in _FLOW_PAGES.items()
        )
        cache[aid] = urls
    return cache[assessment.id]


def flow_url(assessment, page: str) -> str:
    """flow_urls(assessment)[page] without building the other pages' URLs when the page has
    not drawn them (a save's redirect needs one; issue 16, step save)."""
    drawn = g.get("_flow_urls", {}).get(assessment.id)
    if drawn is not None:
        return drawn[page]
    if page in _FLOW_PAGES:
        return url_for(_FLOW_PAGES[page], assessment_id=assessment.id)
    if not index_of(assessment).has_step(page):
        raise KeyError(page)
    return url_for("assessments.step", assessment_id=assessment.id, step_id=page)


def progress_totals(statuses) -> tuple[int, int]:
    """(answered, total) items over the questionnaire steps (statuses[0] is the profile)."""
    return sum(s.answered for s in statuses[1:]), sum(s.total for s in statuses[1:])
