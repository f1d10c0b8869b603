"""The data every benchmark runs on: one owner of one company with two submitted years
(FY2024, FY2025: the results page compares them) and this year's draft (FY2026) with every
step saved. Used by bench/run.py (in-process), bench/load.py (gunicorn + wrk) and
bench/profile.py (pyinstrument)."""

import os

EMAIL, PASSWORD = "bench@example.jp", "bench passphrase 123"


def create_bench_app(database_url: str, *, reset: bool = True):
    """The app on ``database_url``; with ``reset``, tables recreated and filled. Returns
    (app, {"draft": id, "submitted": id, "company": id})."""
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-shared-by-all-workers")
    from app import create_app

    app = create_app({"APP_ENV": "test", "SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        ids = fill(reset)
    return app, ids


def company_pages(ids: dict, step: str = "it-system") -> list[str]:
    """The seven company pages of the data ``create_bench_app`` returned (soak, cache sizes)."""
    company, draft, submitted = ids["company"], ids["draft"], ids["submitted"]
    return [
        f"/assessments/{draft}/steps/{step}",
        f"/assessments/{draft}/review",
        f"/assessments/{submitted}/results",
        f"/companies/{company}",
        f"/companies/{company}/progress",
        f"/companies/{company}/history",
        f"/kpis/{ids['indicator']}",
    ]


def fill(reset: bool) -> dict:
    from app.assessments import services
    from app.auth.users import create_user
    from app.extensions import db
    from app.models import Assessment, Company, Indicator, Membership
    from questionnaires import load_index

    if not reset:
        rows = db.session.scalars(db.select(Assessment).order_by(Assessment.fiscal_year)).all()
        indicator = db.session.scalar(db.select(Indicator).order_by(Indicator.id))
        return {
            "submitted": rows[1].id,
            "draft": rows[2].id,
            "company": rows[0].company_id,
            "indicator": indicator.id,
        }
    db.drop_all()
    db.create_all()
    user = create_user(EMAIL, PASSWORD)
    company = Company(
        name="ベンチ株式会社",
        prefecture_code="13",
        jsic_division="E",
        sme_sector="manufacturing_and_other",
        is_sole_proprietor=True,
    )
    db.session.add(company)
    db.session.add(Membership(company=company, user_id=user.id, role="owner"))
    db.session.commit()
    index = load_index("2019-07")
    ids = {"company": company.id}
    for year, level in ((2024, 2), (2025, 3), (2026, 3)):
        assessment = services.start_assessment(
            company, year, user, prefill=False, index_version="2019-07"
        )
        services.confirm_profile(assessment)
        for step in index.steps:
            values = {
                i: {"current": level, "target": 4, "evidence": "根拠の説明", "action": "施策"}
                for i in step.item_ids
            }
            services.save_step(assessment, step, values, 0, user)
        if year < 2026:
            assert services.submit(assessment, assessment.version, user)
        ids["submitted" if year == 2025 else "draft"] = assessment.id
    ids["indicator"] = add_indicators(company, user)
    return ids


def add_indicators(company, user) -> int:
    """Three 定量指標 from FY2023 to FY2026 with actuals for FY2024 and FY2025 (the progress
    page and the dashboard show them; the KPI detail page is measured on the first)."""
    from decimal import Decimal

    from app.kpis import services as kpis
    from app.kpis.forms import IndicatorInput

    first = None
    for k, (name, base, target) in enumerate(
        (
            ("DX人材の数", 5, 20),
            ("売上高に占めるデジタル売上の割合", 2, 10),
            ("受注処理時間", 40, 10),
        )
    ):
        indicator = kpis.create_indicator(
            company,
            IndicatorInput(
                name=name,
                definition="ベンチマーク用の指標",
                value_type="people" if k == 0 else "number",
                unit="人" if k == 0 else None,
                scale=None,
                direction="lower" if target < base else "higher",
                baseline_year=2023,
                baseline_value=Decimal(base),
                target_year=2026,
                target_value=Decimal(target),
            ),
            user,
        )
        step = (target - base) / 3
        kpis.save_values(
            indicator,
            {2024: Decimal(round(base + step)), 2025: Decimal(round(base + 2 * step))},
            user,
        )
        first = first or indicator.id
    return first


def extra_drafts(n: int) -> list[int]:
    """n more companies of the bench user, each with a FY2026 draft with every step saved: one
    per wrk connection of a step-save run, so that no two connections save the same step."""
    from app.assessments import services
    from app.extensions import db
    from app.models import User
    from questionnaires import load_index

    user = db.session.scalar(db.select(User).where(User.email == EMAIL))
    index, ids = load_index("2019-07"), []
    for k in range(n):
        assessment = _owned_draft(user, f"ベンチ{k}株式会社")
        for step in index.steps:
            values = {
                i: {"current": 2, "target": 4, "evidence": "根拠", "action": ""}
                for i in step.item_ids
            }
            services.save_step(assessment, step, values, 0, user)
        ids.append(assessment.id)
    return ids


def journey_users(n: int) -> list[dict]:
    """n users, each the owner of a company of their own with a FY2026 draft whose profile is
    confirmed and no answer saved: one per simulated user of bench/openloop.py, who saves
    every step and submits. Returns [{"email", "assessment", "company"}] (password PASSWORD)."""
    from app.auth.users import create_user

    users = []
    for k in range(n):
        user = create_user(f"journey{k}@example.jp", PASSWORD)
        assessment = _owned_draft(user, f"利用者{k}株式会社")
        users.append(
            {"email": user.email, "assessment": assessment.id, "company": assessment.company_id}
        )
    return users


def _owned_draft(user, name: str):
    """A company owned by ``user`` with a FY2026 draft whose profile is confirmed."""
    from app.assessments import services
    from app.extensions import db
    from app.models import Company, Membership

    company = Company(
        name=name,
        prefecture_code="13",
        jsic_division="E",
        sme_sector="manufacturing_and_other",
        is_sole_proprietor=True,
    )
    db.session.add(company)
    db.session.add(Membership(company=company, user_id=user.id, role="owner"))
    db.session.commit()
    assessment = services.start_assessment(
        company, 2026, user, prefill=False, index_version="2019-07"
    )
    services.confirm_profile(assessment)
    return assessment


BUREAU_EMAIL = "national@bench.example"  # a national account (every bureau side by side)
RELEASE_YEAR = 2025


def bureau_release(companies: int = 60) -> dict:
    """The bureau report's subject (issue 16): ``companies`` companies in 関東 and 近畿 with a
    submitted FY2025 assessment (levels spread so that every table has figures), one release of
    that year, and a national bureau account (password PASSWORD). Rows are inserted directly
    (a submit through the services for each would take minutes on SQLite); the release is
    built by the same code as `flask reports release`. Returns {"release": id}."""
    import random
    from datetime import UTC, datetime

    from app.auth.users import create_user
    from app.extensions import db
    from app.models import Answer, Assessment, Company
    from app.reports.releases import create_release
    from questionnaires import load_index

    rng = random.Random(16)
    now = datetime.now(UTC)
    items = load_index("2019-07").items
    for k in range(companies):
        company = Company(
            name=f"集計ベンチ{k}株式会社",
            prefecture_code=("13", "14", "27", "11")[k % 4],
            jsic_division=("E", "I", "G")[k % 3],
            sme_sector="manufacturing_and_other",
            employees=(5, 60, 800)[k % 3],
            capital_yen=(10**6, 5 * 10**7, 10**10)[k % 3],
            is_sole_proprietor=False,
            fiscal_year_start_month=4,
        )
        db.session.add(company)
        db.session.flush()
        assessment = Assessment(
            company_id=company.id,
            fiscal_year=RELEASE_YEAR,
            index_version="2019-07",
            status="submitted",
            version=2,
            submitted_at=now,
        )
        db.session.add(assessment)
        db.session.flush()
        base = rng.uniform(0.5, 3.5)
        for item in items:
            level = max(0, min(5, round(rng.gauss(base, 1.1))))
            db.session.add(
                Answer(
                    assessment_id=assessment.id,
                    item_id=item.id,
                    current_level=level,
                    target_level=min(5, level + rng.randint(1, 3)),
                )
            )
    create_user(BUREAU_EMAIL, PASSWORD, role="bureau", bureau_code="national")
    db.session.commit()
    return {"release": create_release(RELEASE_YEAR, "2019-07").id}
