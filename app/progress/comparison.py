"""Year-over-year change, derived when a page is shown (scoring rule R10).

``year_cards()`` is the one place that loads the stored cards a change is derived from (through
submitted.submitted_years()): each submitted year's own card, and for a year reopened into a
draft the card of its last submitted version, by which that year is also shown while it is
edited again. Nothing here is stored, so a change always reflects both years' cards as they
are now. Results, the dashboard and the progress page all read their changes from here.
"""

from dataclasses import dataclass

from flask_babel import gettext as _

from app.indexes import services as index_versions
from app.progress.submitted import submitted_years
from app.web.numbers import delta_text
from scoring import ScoreCard, YearCard, YearComparison, compare_years


def year_cards(company_id: int, years: list | None = None) -> dict[int, YearCard]:
    """{fiscal year: the card it is compared by} for every year that was ever submitted;
    ``years``: submitted_years(company_id) when the caller has loaded them already."""
    years = submitted_years(company_id) if years is None else years
    return {
        y.fiscal_year: YearCard(
            y.fiscal_year,
            y.index_version,
            ScoreCard.from_dict(y.scores),
            reopened=y.reopened,
            revision=y.revision,
        )
        for y in years
    }


def year_comparisons(
    company_id: int, cards: dict[int, YearCard] | None = None
) -> dict[int, YearComparison | None]:
    """{fiscal year: its change against the latest earlier year} for every year with a card;
    a year being edited again is compared by its last submitted version, as it is shown."""
    cards = year_cards(company_id) if cards is None else cards
    return {year: compare_one(card, cards) for year, card in cards.items()}


def compare_one(card: YearCard, cards: dict[int, YearCard]) -> YearComparison | None:
    """One year's change (R10): across a version change only through a stored item mapping."""
    return compare_years(card, cards.values(), mapping_for=index_versions.predecessors)


@dataclass(frozen=True)
class ChangeLabels:
    """How a page names the compared year: 前年度 only for the year just before."""

    change: str  # column / tile label of the change: 前年度比, 2024年度比
    compared: str  # the compared year: 前年度, 2024年度
    note: str | None  # said on the page when the compared year is back in draft, or not comparable


def labels_for(comparison: YearComparison | None) -> ChangeLabels | None:
    if comparison is None:
        return None
    previous = comparison.previous
    compared = (
        _("前年度")
        if comparison.is_previous_year
        else _("%(fiscal_year)s年度", fiscal_year=previous.fiscal_year)
    )
    notes = []
    if previous.reopened:
        notes.append(
            _(
                "%(fiscal_year)s年度は再編集中のため、最後に提出された内容（第%(revision)s版）と比較しています。",
                fiscal_year=previous.fiscal_year,
                revision=previous.revision,
            )
        )
    if comparison.mapped:
        notes.append(
            _(
                "%(fiscal_year)s年度は指標の版（%(index_version)s）が異なるため、版の対応表で対応する項目だけを比較しています（平均と対応のない項目は比較不可）。",
                fiscal_year=previous.fiscal_year,
                index_version=previous.index_version,
            )
        )
    elif not comparison.comparable:
        notes.append(
            _(
                "%(fiscal_year)s年度は指標の版（%(index_version)s）が異なるため、比較できません。",
                fiscal_year=previous.fiscal_year,
                index_version=previous.index_version,
            )
        )
    return ChangeLabels(_("%(compared)s比", compared=compared), compared, "".join(notes) or None)


def change_text(comparison: YearComparison | None) -> str:
    """'+0.20（前年度比）', '-0.80（2024年度比）' or '比較不可（2024年度比）'; '—' for a first
    year. The overall current mean's change, wherever a page lists years (dashboard, progress)."""
    labels = labels_for(comparison)
    if labels is None:
        return "—"
    change = comparison.delta.overall.current if comparison.comparable else None
    return _("%(change)s（%(compared)s）", change=delta_text(change), compared=labels.change)


def change_texts(company_id: int, cards: dict[int, YearCard] | None = None) -> dict[int, str]:
    """{fiscal year: change_text} for every year of the company with a submitted version."""
    return {year: change_text(c) for year, c in year_comparisons(company_id, cards).items()}
