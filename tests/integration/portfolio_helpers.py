"""Fast builders of advisor clients for the portfolio tests and the benchmark: assessments are
written as rows (answers plus the card scoring.score_assessment makes of them, as submit does),
since going through the questionnaire for dozens of companies would take minutes."""

from datetime import UTC, datetime

from app.extensions import db
from app.models import AdvisorGrant, Answer, Assessment, Company, Membership
from questionnaires import load_index
from scoring import SCORING_VERSION, score_assessment, structure_from_index

INDEX = load_index("2019-07")
STRUCTURE = structure_from_index(INDEX)


def add_assessment(company, year, levels, status="submitted", answered=None):
    """An assessment of ``company`` for ``year``; ``levels`` is a level for every item or a
    function of the item id giving (current, target). ``answered`` limits a draft's answers
    to its first n items."""
    pairs = {
        item.id: levels(item.id) if callable(levels) else (levels, min(levels + 1, 5))
        for item in INDEX.items
    }
    if answered is not None:
        pairs = dict(list(pairs.items())[:answered])
    assessment = Assessment(
        company_id=company.id,
        fiscal_year=year,
        index_version=INDEX.version_id,
        status=status,
        profile_confirmed_at=datetime(year, 6, 1, tzinfo=UTC),
    )
    if status == "submitted":
        assessment.submitted_at = datetime(year + 1, 1, 15, 9, 0, tzinfo=UTC)
        assessment.scores = score_assessment(STRUCTURE, pairs).to_dict()
        assessment.scoring_version = SCORING_VERSION
    db.session.add(assessment)
    db.session.flush()
    db.session.add_all(
        Answer(
            assessment_id=assessment.id,
            item_id=item_id,
            current_level=current,
            target_level=target,
            evidence="",
            action="",
        )
        for item_id, (current, target) in pairs.items()
    )
    return assessment


def add_client(
    advisor, name, owner=None, prefecture="13", jsic="E", employees=None, scope="comment"
):
    company = Company(
        name=name,
        prefecture_code=prefecture,
        jsic_division=jsic,
        sme_sector="manufacturing_and_other",
        employees=employees,
        is_sole_proprietor=employees is None,
        fiscal_year_start_month=4,
    )
    db.session.add(company)
    db.session.flush()
    if owner is not None:
        db.session.add(Membership(company_id=company.id, user_id=owner.id, role="owner"))
    db.session.add(AdvisorGrant(company_id=company.id, advisor_id=advisor.id, scope=scope))
    return company
