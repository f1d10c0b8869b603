"""The assessments feature's one cache place: the results page's parts drawn from the shown
version, and the assessment pages' sidebar.

## The results page's parts

A submitted version never changes, so everything built from it alone — the view model
(results.build_results: the score tables, the change against the compared year, IPA's
figures, the radar chart), the peer benchmarks of the release that counted it, and their
markup (templates/assessments/_results_parts.html) — is drawn once per key and kept per worker
(app/web/drawn_cache.py; ``RESULTS_CACHE_SIZE`` entries and ``RESULTS_CACHE_BYTES`` bytes,
a size of 0 switches it off).

The key holds everything those parts show, read in ONE statement that loads no scores:

- the assessment, and the stamp of each of the company's years up to it (id, index version,
  status, submitted_at, the number of its newest kept version): a resubmission (new
  submitted_at), a reopened year (status; then shown by its newest kept version), a new
  earlier year or a year that became comparable all give a new key; the stored item
  mappings' digests when a comparison may go through one (progress/submitted.stamps_key);
- the release that counts the assessment (reports/benchmarks.COUNTING_RELEASE): releases are
  never changed once made, so a new release is a new key;
- the index version's loaded definition (the same object while the process keeps it);
- the locale and time zone (translated labels; the benchmarks' release dates and the shown
  version's submission time in the footer), and the script root (links).

The per-viewer parts (advisor reviews beside each item, comments, revisions, edit rights, the
reopened-version note with its link) stay in results.html and are read live; an item nobody
has reviewed gets the review cell drawn with the parts (the same macro, for an empty review).

## The review page's answers tables

Each step's table on the review page (templates/assessments/_review_parts.html) is a pure
function of its rows — each item's id, whether its target is below its current level, both
levels, the evidence and the action, as read on this request — and of the language, the
script root and the assessment's id (its links), whether the viewer may edit (the step's edit
link) and the loaded index (the item labels and level names). A step whose items no advisor
has rated or commented on is drawn once per key of those (the rows by a digest of their
values: a saved answer, another viewer's rights or another language is a new key); a step with
a reviewed item is drawn on every request with the live reviews. Bounded by
``REVIEW_TABLE_CACHE_SIZE`` entries and ``REVIEW_TABLE_CACHE_BYTES`` bytes; 0 = off.

## The sidebar

The step list with each step's answered count and state, the KPI step's count and the links
(components/progress.html's progress_panel) is a pure function of what its key holds: the
language, the script root and the assessment's id (its links), each step's id, title,
answered and total counts and whether it was saved, the KPI step's counts, the page's own step
and the step form the sidebar's buttons save. The statuses and counts are read from the
database on every request; only the rendering is remembered, so a saved answer, a confirmed
profile, an entered KPI value, another page or another language gives a new key and the old
entry ages out. Bounded by ``ASSESSMENT_SIDEBAR_CACHE_SIZE``; 0 = off.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from hashlib import blake2b

from flask import current_app, get_template_attribute, request
from flask_babel import get_locale, get_timezone
from markupsafe import Markup
from sqlalchemy import bindparam, select

from app.assessments import services
from app.assessments.rendering import fragments
from app.assessments.results import Row, build_results
from app.extensions import db
from app.models import Assessment
from app.progress.submitted import YEAR_STAMP_COLUMNS, stamps_key
from app.reports import benchmarks
from app.reviews.services import ItemReview
from app.web.drawn_cache import SHARED, DrawnParts, Packed, PackedMarkups, store

PARTS = "results_parts"
SIZE_SETTING = "RESULTS_CACHE_SIZE"
BYTES_SETTING = "RESULTS_CACHE_BYTES"
RESULTS_DEFAULT_SIZE = 256
# About 13 kB an entry (the markup packed; most of it the 35 item rows' figures): 256 entries
# are ~3.3 MB a worker; the byte bound holds a store of larger entries (more items) near that.
RESULTS_DEFAULT_BYTES = 4 * 2**20
TEMPLATE = "assessments/_results_parts.html"
REVIEW_MACROS = "reviews/_summary.html"

_KEY = select(*YEAR_STAMP_COLUMNS, benchmarks.COUNTING_RELEASE.label("release_id")).where(
    Assessment.company_id == bindparam("company_id")
)


@dataclass(frozen=True)
class ResultsParts:
    # kept so that its id in the key is not reused while the entry lives
    index: object = field(metadata=SHARED)
    # the same, for the template module (a new one when the file is edited)
    macros: object = field(metadata=SHARED)
    head: Packed  # from the comparison note to the item table's body (15 kB as a str)
    rows: tuple[Row, ...]
    # Each item row's own cells, then its review cell while nobody has rated or commented on
    # it (the same macro's output for an empty review; the page draws a reviewed item's live).
    cells: PackedMarkups
    footer: Markup  # the scoring and index versions and when the shown version was submitted

    @property
    def items(self) -> tuple[tuple[Row, Markup, Markup], ...]:
        """(row, its cells, its empty review cell) for each item, as the page prints them."""
        cells = self.cells.unpack()
        return tuple(zip(self.rows, cells[0::2], cells[1::2], strict=True))


def results_parts(assessment, shown: services.SubmittedVersion) -> ResultsParts:
    """The drawn parts of ``assessment``'s results page (``shown``: the version it shows)."""
    rows = db.session.execute(
        _KEY,
        {"company_id": assessment.company_id, **benchmarks.counting_release_parameters(assessment)},
    ).all()
    release = rows[0].release_id if rows else None
    years = [r for r in rows if r.fiscal_year <= assessment.fiscal_year]
    index = services.index_of(assessment)
    # With auto-reload (development) an edited macro file is a new module: a new key.
    macros = current_app.jinja_env.get_template(TEMPLATE).module
    key = (
        assessment.id,
        stamps_key(years),
        release,
        assessment.index_version,
        id(index),  # the entry keeps `index` and `macros` alive, so their ids are not reused
        id(macros),
        str(get_locale()),
        str(get_timezone()),
        request.script_root,  # (the unreviewed items' review links)
    )
    return store(
        PARTS, SIZE_SETTING, RESULTS_DEFAULT_SIZE, BYTES_SETTING, RESULTS_DEFAULT_BYTES
    ).get_or_draw(key, lambda: _draw(assessment, shown, index, macros))


def _draw(assessment, shown, index, macros) -> ResultsParts:
    results = build_results(assessment, shown)
    head = macros.head(results, benchmarks.for_assessment(assessment), index)
    reviews = current_app.jinja_env.get_template(REVIEW_MACROS).module
    base = reviews.review_base(assessment.id)
    cells = PackedMarkups(
        markup
        for row in results.items
        for markup in (
            macros.item_cells(row, results),
            reviews.review_cell(ItemReview(row.id), row.current, base, row.id),
        )
    )
    rows = tuple(results.items)
    return ResultsParts(index, macros, Packed(head), rows, cells, macros.footer(shown))


# --- the review page's answers tables -----------------------------------------------------------

REVIEW_TABLES = "review_tables"
REVIEW_TABLE_SIZE_SETTING = "REVIEW_TABLE_CACHE_SIZE"
# One step's table, ~2-8 kB with short texts (up to ~150 kB with every evidence and action at
# its 4,000-character limit).
REVIEW_TABLE_DEFAULT_SIZE = 256
REVIEW_TABLE_BYTES_SETTING = "REVIEW_TABLE_CACHE_BYTES"  # long texts: bound the bytes too
REVIEW_TABLE_DEFAULT_BYTES = 4 * 2**20
REVIEW_TEMPLATE = "assessments/_review_parts.html"


def review_tables(assessment, answers, lower_ids, editable, urls, reviews) -> dict[str, Markup]:
    """{step id: the review page's answers table of the step}; ``answers``: {item id: answer
    row}, ``lower_ids``: the items whose target is below their current level, ``urls``:
    rendering.flow_urls, ``reviews``: the viewer's ReviewSet."""
    index = services.index_of(assessment)
    drawn = fragments(index)
    macros = current_app.jinja_env.get_template(REVIEW_TEMPLATE).module
    review_url = current_app.jinja_env.get_template(REVIEW_MACROS).module.review_base(assessment.id)
    kept = store(
        REVIEW_TABLES,
        REVIEW_TABLE_SIZE_SETTING,
        REVIEW_TABLE_DEFAULT_SIZE,
        REVIEW_TABLE_BYTES_SETTING,
        REVIEW_TABLE_DEFAULT_BYTES,
    )
    page = (str(get_locale()), request.script_root, assessment.id, editable, id(index), id(macros))
    tables = {}
    for step in index.steps:
        rows = drawn.review_rows(step.id, answers, lower_ids)

        def draw(step=step, rows=rows, reviews=reviews):
            return macros.answers_section(step, rows, editable, urls, answers, reviews, review_url)

        if any(item_id in reviews for item_id in step.item_ids):
            tables[step.id] = draw()  # the live ratings and points: drawn on every request
        else:
            key = (*page, step.id, _rows_digest(rows))
            tables[step.id] = kept.get_or_draw(key, lambda draw=draw: draw(reviews={}))
    return tables


def _rows_digest(rows) -> bytes:
    """A digest of the rows' values (item id, target below current, the two levels' labels,
    evidence, action): the texts can be long, so the key holds 32 bytes instead."""
    values = repr(
        [
            (item.id, lower, str(current), str(target), evidence, action)
            for item, lower, current, target, evidence, action in rows
        ]
    )
    return blake2b(values.encode(), digest_size=32).digest()


# --- the sidebar --------------------------------------------------------------------------------

SIDEBAR_SIZE_SETTING = "ASSESSMENT_SIDEBAR_CACHE_SIZE"
SIDEBAR_DEFAULT_SIZE = 1024
_SIDEBARS = DrawnParts(SIDEBAR_DEFAULT_SIZE, SIDEBAR_SIZE_SETTING)


def sidebar_key(assessment, statuses, kpi, current_step, nav_form) -> tuple:
    return (
        str(get_locale()),
        request.script_root,
        assessment.id,
        tuple((s.id, str(s.title), s.answered, s.total, s.saved) for s in statuses),
        kpi.get("total"),
        kpi.get("entered"),
        current_step,
        nav_form,
    )


def sidebar(assessment, statuses, kpi, current_step=None, nav_form=None) -> Packed:
    """components/progress.html's progress_panel for these arguments, remembered (Packed: 4 kB
    as a str, 1 kB packed; the template prints it as the Markup)."""

    def render():
        panel = get_template_attribute("components/progress.html", "progress_panel")
        return Packed(panel(assessment, statuses, kpi, current_step, nav_form))

    key = sidebar_key(assessment, statuses, kpi, current_step, nav_form)
    return _SIDEBARS.get_or_draw(key, render)


def clear() -> None:
    """Forget the kept sidebars (tests)."""
    _SIDEBARS.clear()
