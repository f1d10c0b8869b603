"""The company's submitted assessments, read by the qualitative targets and the history."""

from app.extensions import db
from app.models import Answer, Assessment
from scoring.maturity import MAX_LEVEL, MIN_LEVEL

LEVEL_LABELS = {float(v): str(v) for v in range(MIN_LEVEL, MAX_LEVEL + 1)}  # chart y axis


def submitted_assessments(company_id: int) -> list[Assessment]:
    return list(
        db.session.scalars(
            db.select(Assessment)
            .where(Assessment.company_id == company_id, Assessment.status == "submitted")
            .order_by(Assessment.fiscal_year)
        )
    )


def levels_of(assessment_ids) -> dict[int, dict[str, tuple[int | None, int | None]]]:
    """{assessment id: {item id: (current, target)}} in one query."""
    result: dict[int, dict[str, tuple[int | None, int | None]]] = {a: {} for a in assessment_ids}
    if not result:
        return result
    rows = db.session.execute(
        db.select(
            Answer.assessment_id, Answer.item_id, Answer.current_level, Answer.target_level
        ).where(Answer.assessment_id.in_(list(result)))
    )
    for assessment_id, item_id, current, target in rows:
        result[assessment_id][item_id] = (current, target)
    return result
