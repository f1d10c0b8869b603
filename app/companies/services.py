"""Company profile operations; each function owns its one commit."""

from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext
from sqlalchemy.exc import IntegrityError

from app.audit import record
from app.extensions import db
from app.models import Company, Membership
from app.summary_hook import refresh_summary
from questionnaires import reference

SIZE_LABELS = {
    "small": lazy_gettext("小規模企業者"),
    "sme": lazy_gettext("中小企業者"),
    "large": lazy_gettext("大企業"),
}


class DuplicateCorporateNumber(ValueError):
    pass


@dataclass(frozen=True)
class ProfileFacts:
    prefecture: str
    bureau_code: str
    bureau: str
    industry: str
    sector: str
    size_class: str | None
    size_label: str


def profile_facts(company: Company) -> ProfileFacts:
    bureau = reference.bureau_for_prefecture(company.prefecture_code)
    size = reference.size_class(company.sme_sector, company.capital_yen, company.employees)
    sectors = {s.id: s.name for s in reference.sme_sectors()}
    return ProfileFacts(
        prefecture=reference.prefectures()[company.prefecture_code],
        bureau_code=bureau.code,
        bureau=bureau.name,
        industry=reference.jsic_divisions().get(company.jsic_division, company.jsic_division),
        sector=sectors.get(company.sme_sector, company.sme_sector),
        size_class=size,
        size_label=str(
            SIZE_LABELS.get(size, _("判定できません（資本金か従業員数を入力してください）"))
        ),
    )


# Says that the number is in use (unavoidable for a unique number) but never which company or
# who, and points to the way in: an invitation from that company's owner.
DUPLICATE_NUMBER = lazy_gettext(
    "この法人番号の会社は既に登録されています。同じ会社のメンバーとして参加するには、"
    "その会社の管理者（オーナー）に招待を依頼してください。招待メールのリンクから参加できます。"
)


def create_company(form, owner) -> Company:
    company = Company()
    form.apply_to(company)
    db.session.add(company)
    db.session.add(Membership(company=company, user_id=owner.id, role="owner"))
    _commit_unique(company)
    return company


def update_company(form, company: Company) -> None:
    form.apply_to(company)
    _commit_unique(company)


def _commit_unique(company: Company) -> None:
    try:
        db.session.flush()
        refresh_summary(company)  # the name, size class and fiscal year shown to advisors
        record("company_saved", company_id=company.id)
        db.session.commit()
    except IntegrityError as exc:
        db.session.rollback()
        raise DuplicateCorporateNumber(DUPLICATE_NUMBER) from exc
