"""Year-over-year change, derived when a page is shown (scoring rule R10).

``year_comparisons()`` is the one place that loads the stored cards a change is derived from:
each submitted year's own card, and for a year reopened into a draft the card of its last
submitted version. Nothing here is stored, so a change always reflects both years' cards as
they are now. Results, the dashboard and the progress page all read their changes from here.
"""

from dataclasses import dataclass

from sqlalchemy import func, select

from app.extensions import db
from app.models import Assessment, AssessmentRevision
from app.web.numbers import delta_text
from scoring import ScoreCard, YearCard, YearComparison, compare_years


def year_cards(company_id: int) -> dict[int, YearCard]:
    """{fiscal year: the card it is compared by} for every year that was ever submitted."""
    cards: dict[int, YearCard] = {}
    rows = db.session.execute(
        select(
            Assessment.id,
            Assessment.fiscal_year,
            Assessment.index_version,
            Assessment.status,
            Assessment.scores,
        ).where(Assessment.company_id == company_id)
    ).all()
    reopened = {r.id: r for r in rows if r.status != "submitted" or not r.scores}
    for r in rows:
        if r.id not in reopened:
            cards[r.fiscal_year] = YearCard(
                r.fiscal_year, r.index_version, ScoreCard.from_dict(r.scores)
            )
    if reopened:
        last = (
            select(
                AssessmentRevision.assessment_id,
                func.max(AssessmentRevision.number).label("number"),
            )
            .where(AssessmentRevision.assessment_id.in_(list(reopened)))
            .group_by(AssessmentRevision.assessment_id)
            .subquery()
        )
        revisions = db.session.execute(
            select(
                AssessmentRevision.assessment_id,
                AssessmentRevision.number,
                AssessmentRevision.index_version,
                AssessmentRevision.scores,
            ).join(
                last,
                (AssessmentRevision.assessment_id == last.c.assessment_id)
                & (AssessmentRevision.number == last.c.number),
            )
        )
        for rev in revisions:
            if rev.scores:
                year = reopened[rev.assessment_id].fiscal_year
                cards[year] = YearCard(
                    year,
                    rev.index_version,
                    ScoreCard.from_dict(rev.scores),
                    reopened=True,
                    revision=rev.number,
                )
    return dict(sorted(cards.items()))


def year_comparisons(company_id: int) -> dict[int, YearComparison | None]:
    """{fiscal year: its change against the latest earlier year} for every submitted year."""
    cards = year_cards(company_id)
    return {
        year: compare_years(card, cards.values())
        for year, card in cards.items()
        if not card.reopened
    }


def comparison_for(assessment: Assessment) -> YearComparison | None:
    """The change shown on one submitted assessment's results page."""
    return year_comparisons(assessment.company_id).get(assessment.fiscal_year)


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
    compared = "前年度" if comparison.is_previous_year else f"{previous.fiscal_year}年度"
    notes = []
    if previous.reopened:
        notes.append(
            f"{previous.fiscal_year}年度は再編集中のため、最後に提出された内容"
            f"（第{previous.revision}版）と比較しています。"
        )
    if not comparison.comparable:
        notes.append(
            f"{previous.fiscal_year}年度は指標の版（{previous.index_version}）が異なるため、"
            "比較できません。"
        )
    return ChangeLabels(f"{compared}比", compared, "".join(notes) or None)


def change_text(comparison: YearComparison | None) -> str:
    """'+0.20（前年度比）', '-0.80（2024年度比）' or '比較不可（2024年度比）'; '—' for a first
    year. The overall current mean's change, wherever a page lists years (dashboard, progress)."""
    labels = labels_for(comparison)
    if labels is None:
        return "—"
    change = comparison.delta.overall.current if comparison.comparable else None
    return f"{delta_text(change)}（{labels.change}）"


def change_texts(company_id: int) -> dict[int, str]:
    """{fiscal year: change_text} for every submitted year of the company."""
    return {year: change_text(c) for year, c in year_comparisons(company_id).items()}
