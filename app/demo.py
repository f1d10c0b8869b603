"""Demo data for `make run`: a company with last year's submitted assessment and a draft."""

from app.assessments import services
from app.auth.users import create_user
from app.companies.fiscal import fiscal_year_of, today_jst
from app.extensions import db
from app.models import Company, Membership
from questionnaires import DEFAULT_VERSION, load_index

DEMO_PASSWORD = "sakura-demo-passphrase"  # noqa: S105 - documented demo credential, dev only
DEMO_ACCOUNTS = (
    ("owner@demo.example", "member", "山田 太郎（オーナー）"),
    ("editor@demo.example", "member", "佐藤 花子（編集者）"),
    ("viewer@demo.example", "member", "鈴木 一郎（閲覧者）"),
)


def seed_demo() -> list[str]:
    users = {
        email: create_user(email, DEMO_PASSWORD, role=role, display_name=name)
        for email, role, name in DEMO_ACCOUNTS
    }
    company = Company(
        name="さくら精機株式会社",
        corporate_number="7123456789012",
        prefecture_code="13",
        jsic_division="E",
        sme_sector="manufacturing_and_other",
        employees=120,
        capital_yen=50_000_000,
        fiscal_year_start_month=4,
    )
    db.session.add(company)
    for email, role in (
        ("owner@demo.example", "owner"),
        ("editor@demo.example", "editor"),
        ("viewer@demo.example", "viewer"),
    ):
        db.session.add(Membership(company=company, user_id=users[email].id, role=role))
    db.session.commit()

    owner = users["owner@demo.example"]
    index = load_index(DEFAULT_VERSION)
    last_year = fiscal_year_of(today_jst(), company.fiscal_year_start_month) - 1
    assessment = services.start_assessment(
        company, last_year, owner, prefill=False, index_version=DEFAULT_VERSION
    )
    services.confirm_profile(assessment)
    for n, step in enumerate(index.steps):
        values = {
            item_id: {
                "current": (n + k) % 3,
                "target": min(5, (n + k) % 3 + 2),
                "evidence": "デモデータ",
                "action": "",
            }
            for k, item_id in enumerate(step.item_ids)
        }
        services.save_step(assessment, step, values, 0, owner)
    services.submit(assessment, assessment.version, owner)
    return [f"demo account: {email} / {DEMO_PASSWORD}" for email, _, _ in DEMO_ACCOUNTS]
