"""The advisor's meeting report of one client: scores and charts of the newest submitted year,
the score history, targets and their status, KPIs, and the review points, ratings and comments
of the newest assessment. Printable (print CSS, A4); every figure comes from the same services
as the company's own pages."""

from dataclasses import dataclass

from app.assessments import services as assessment_services
from app.assessments.results import Results, build_results
from app.companies.services import profile_facts
from app.extensions import db
from app.kpis import progress as kpi_progress
from app.kpis.services import current_fiscal_year
from app.models import Assessment
from app.progress.history import score_history
from app.progress.qualitative import qualitative_sets
from app.reports.benchmarks import Benchmarks, for_assessment
from app.reviews.services import ReviewSet, reviews_of


@dataclass
class MeetingReport:
    facts: object
    as_of: int
    results_assessment: Assessment | None
    results: Results | None
    shown: object
    history: object
    indicators: list
    indicator_counts: dict
    running_sets: list
    labels: dict
    review_assessment: Assessment | None
    review_items: list  # (item, answer row or None, ItemReview) with ratings or points
    reviews: ReviewSet | None
    benchmarks: Benchmarks | None  # the same as on the client's results page


def meeting_report(company, advisor) -> MeetingReport:
    assessments = db.session.scalars(
        db.select(Assessment)
        .where(Assessment.company_id == company.id)
        .order_by(Assessment.fiscal_year.desc())
    ).all()
    results_assessment = shown = results = None
    for assessment in assessments:
        shown = assessment_services.shown_version(assessment)
        if shown is not None:
            results_assessment = assessment
            results = build_results(assessment, shown)
            break
    as_of = current_fiscal_year(company)
    indicators = kpi_progress.company_indicator_progress(company.id, as_of)
    sets = qualitative_sets(company.id, as_of)
    review_assessment = assessments[0] if assessments else None
    review_items, reviews = [], None
    if review_assessment is not None:
        answers = assessment_services.answer_rows(review_assessment)
        reviews = reviews_of(review_assessment, answers, advisor_id=advisor.id)
        index = assessment_services.index_of(review_assessment)
        review_items = [
            (item, answers.get(item.id), reviews[item.id])
            for item in index.items
            if item.id in reviews
        ]
    return MeetingReport(
        facts=profile_facts(company),
        as_of=as_of,
        results_assessment=results_assessment,
        results=results,
        shown=shown if results_assessment else None,
        history=score_history(company.id),
        indicators=indicators,
        indicator_counts=kpi_progress.count_statuses(p.status for p in indicators),
        running_sets=[s for s in sets if s.running],
        labels=kpi_progress.STATUS_LABELS,
        review_assessment=review_assessment,
        review_items=review_items,
        reviews=reviews,
        benchmarks=for_assessment(results_assessment) if results_assessment else None,
    )
