"""The results report (「PDFで保存」): everything the results page shows of the shown version,
plus each item's levels with evidence and actions, the qualitative targets and their status,
the indicators (KPIs) and the comments. Rendered by templates/assessments/report_pdf.html and
turned into a PDF by app/web/pdf.py."""

from dataclasses import dataclass

from app.assessments import services
from app.assessments.results import Results, build_results
from app.comments.services import comments_on
from app.extensions import db
from app.kpis import progress as kpi_progress
from app.kpis.services import current_fiscal_year
from app.models import AssessmentRevision
from app.progress.qualitative import QualitativeSet, qualitative_sets
from questionnaires import Index, Item, ItemGroup


@dataclass(frozen=True)
class ItemAnswer:
    item: Item
    current: int | None
    target: int | None
    current_name: str
    target_name: str
    evidence: str
    action: str


@dataclass(frozen=True)
class Report:
    results: Results
    as_of: int
    groups: list[tuple[ItemGroup, list[ItemAnswer]]]
    target_sets: list[QualitativeSet]  # sets still running in as_of (this year's first)
    indicators: list
    indicator_counts: dict
    status_labels: dict
    comments: list
    index: Index


def shown_answers(assessment, shown: services.SubmittedVersion) -> dict[str, dict]:
    """{item id: current, target, evidence, action} of the version the results show: the
    answer rows of a submitted assessment, the kept answers of its last submitted version
    while it is edited again."""
    if shown.revision is None:
        return {
            item_id: services.answer_values(row)
            for item_id, row in services.answer_rows(assessment).items()
        }
    kept = db.session.scalar(
        db.select(AssessmentRevision.answers).where(
            AssessmentRevision.assessment_id == assessment.id,
            AssessmentRevision.number == shown.revision,
        )
    )
    return {a["item_id"]: a for a in kept or ()}


def build_report(assessment, shown: services.SubmittedVersion) -> Report:
    index = services.index_of(assessment)
    level_names = {level.value: level.name for level in index.levels}
    answers = shown_answers(assessment, shown)

    def answer(item):
        a = answers.get(item.id, {})
        current, target = a.get("current"), a.get("target")
        return ItemAnswer(
            item,
            current,
            target,
            level_names.get(current, ""),
            level_names.get(target, ""),
            a.get("evidence") or "",
            a.get("action") or "",
        )

    groups = [(g, [answer(index.item(i)) for i in g.item_ids]) for g in index.groups]
    as_of = current_fiscal_year(assessment.company)
    sets = [
        s
        for s in qualitative_sets(assessment.company_id, as_of)
        if s.set_year <= assessment.fiscal_year <= s.target_year
    ]
    indicators = kpi_progress.company_indicator_progress(assessment.company_id, as_of)
    return Report(
        build_results(assessment, shown),
        as_of,
        groups,
        sets,
        indicators,
        kpi_progress.count_statuses(p.status for p in indicators),
        kpi_progress.STATUS_LABELS,
        comments_on(assessment),
        index,
    )
