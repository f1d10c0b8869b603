"""`flask seed-demo`: every demo account listed in the README can log in and reach its home
page; the command seeds only an empty database and is refused in production."""

import pytest
from flask import url_for

from app.companies.fiscal import fiscal_year_of, today_jst
from app.demo import ADVISOR_ORGANISATION, DEMO_ACCOUNTS, DEMO_PASSWORD
from app.models import (
    AdvisorGrant,
    Assessment,
    Comment,
    Company,
    Indicator,
    IndicatorValue,
    Membership,
    User,
)
from app.web.home_routes import HOME_ENDPOINTS
from questionnaires import reference
from tests.conftest import csrf_from

COMPANY = "さくら精機株式会社"


@pytest.fixture()
def seed(app, db):
    runner = app.test_cli_runner()

    def invoke():
        result = runner.invoke(args=["seed-demo"])
        db.session.expire_all()  # the command committed through its own session
        return result

    return invoke


def _user(db, email) -> User:
    return db.session.scalar(db.select(User).where(User.email == email))


def _count(db, model) -> int:
    return db.session.scalar(db.select(db.func.count(model.id)))


def test_seed_demo_creates_every_account_with_its_access(seed, db):
    result = seed()
    assert result.exit_code == 0, result.output
    for email, _, _ in DEMO_ACCOUNTS:
        assert f"demo account: {email} / {DEMO_PASSWORD}" in result.output
    assert {u.email: u.role for u in db.session.scalars(db.select(User))} == {
        "owner@demo.example": "member",
        "editor@demo.example": "member",
        "viewer@demo.example": "member",
        "advisor@demo.example": "advisor",
        "bureau@demo.example": "bureau",
        "national@demo.example": "bureau",
        "admin@demo.example": "admin",
    }
    company = db.session.scalar(db.select(Company).where(Company.name == COMPANY))
    memberships = db.session.scalars(
        db.select(Membership).where(Membership.company_id == company.id)
    )
    roles = {m.user.email: m.role for m in memberships}
    assert roles == {
        "owner@demo.example": "owner",
        "editor@demo.example": "editor",
        "viewer@demo.example": "viewer",
    }
    advisor = _user(db, "advisor@demo.example")
    assert advisor.organisation == ADVISOR_ORGANISATION
    grants = db.session.scalars(db.select(AdvisorGrant)).all()
    assert [(g.company_id, g.advisor_id, g.scope, g.revoked_at) for g in grants] == [
        (company.id, advisor.id, "comment", None)
    ]
    bureau = _user(db, "bureau@demo.example")
    assert bureau.bureau_code == reference.bureau_for_prefecture(company.prefecture_code).code
    this_year = fiscal_year_of(today_jst(), company.fiscal_year_start_month)
    years = db.session.execute(
        db.select(Assessment.fiscal_year, Assessment.status)
        .where(Assessment.company_id == company.id)
        .order_by(Assessment.fiscal_year)
    ).all()
    assert years == [(this_year - 2, "submitted"), (this_year - 1, "submitted")]
    indicators = db.session.scalars(
        db.select(Indicator).where(Indicator.company_id == company.id).order_by(Indicator.id)
    ).all()
    assert [(i.example_id, i.value_type, i.baseline_year) for i in indicators] == [
        ("QI-02", "people", this_year - 2),
        (None, "percent", this_year - 2),
        ("QI-05", "ordered", this_year - 2),
    ]
    # One actual each, for the year after the baseline; this year's is left for the user.
    values = db.session.scalars(
        db.select(IndicatorValue.fiscal_year).where(
            IndicatorValue.indicator_id.in_([i.id for i in indicators])
        )
    ).all()
    assert values == [this_year - 1] * 3
    # made-up peers' indicators (the bureau report's indicator table)
    peers = db.session.scalars(
        db.select(Indicator.example_id).where(Indicator.company_id != company.id)
    ).all()
    assert sorted(peers, key=str) == sorted(["QI-02"] * 5 + [None] * 10, key=str)


@pytest.mark.parametrize(("email", "role", "_name"), DEMO_ACCOUNTS)
def test_each_demo_account_logs_in_and_reaches_its_home_page(app, seed, db, email, role, _name):
    assert seed().exit_code == 0
    c = app.test_client()
    page = c.get("/login")
    response = c.post(
        "/login",
        data={"email": email, "password": DEMO_PASSWORD, "csrf_token": csrf_from(page)},
        follow_redirects=True,
    )
    assert response.status_code == 200
    with app.test_request_context():
        home = url_for(HOME_ENDPOINTS[role])
    # login -> / -> the role's home page (a member with one company goes on to its dashboard)
    visited = [r.request.path for r in response.history] + [response.request.path]
    assert visited[:3] == ["/login", "/", home]
    html = response.get_data(as_text=True)
    if role in ("member", "advisor"):  # the company dashboard / the advisor's client list
        assert COMPANY in html
    elif role == "bureau":
        code = _user(db, email).bureau_code
        assert (reference.bureau(code).name if code != "national" else "全国") in html
    else:  # the admin's user list
        assert "owner@demo.example" in html and "advisor@demo.example" in html


def test_advisor_can_read_and_comment_on_the_demo_results(app, seed, db):
    assert seed().exit_code == 0
    company = db.session.scalar(db.select(Company).where(Company.name == COMPANY))
    assessment = db.session.scalar(
        db.select(Assessment)
        .where(Assessment.company_id == company.id)
        .order_by(Assessment.fiscal_year.desc())
    )
    c = app.test_client()
    page = c.get("/login")
    c.post(
        "/login",
        data={
            "email": "advisor@demo.example",
            "password": DEMO_PASSWORD,
            "csrf_token": csrf_from(page),
        },
    )
    results = c.get(f"/assessments/{assessment.id}/results")
    assert results.status_code == 200
    response = c.post(
        f"/assessments/{assessment.id}/comments",
        data={"csrf_token": csrf_from(results), "body": "デモのコメントです。"},
    )
    assert response.status_code == 302
    assert [c.body for c in db.session.scalars(db.select(Comment))] == ["デモのコメントです。"]


def test_seed_demo_leaves_a_non_empty_database_alone(seed, db):
    assert seed().exit_code == 0
    counts = [_count(db, model) for model in (User, Company, AdvisorGrant, Assessment)]
    again = seed()
    assert again.exit_code == 0
    assert "database not empty: demo data not seeded" in again.output
    assert [_count(db, model) for model in (User, Company, AdvisorGrant, Assessment)] == counts


def test_seed_demo_is_refused_in_production(seed, db, app, monkeypatch):
    monkeypatch.setitem(app.config, "APP_ENV", "production")
    result = seed()
    assert result.exit_code != 0
    assert "refused when APP_ENV=production" in result.output
    assert _count(db, User) == 0


@pytest.mark.parametrize(
    ("email", "heading", "companies", "panel", "scope_words"),
    [
        ("bureau@demo.example", "集計レポート（関東経済産業局）", "11", "6", "管轄内の企業"),
        ("national@demo.example", "集計レポート（全国）", "16", "11", "全国の企業"),
    ],
)
def test_demo_bureau_accounts_see_the_seeded_release(
    app, seed, db, email, heading, companies, panel, scope_words
):
    from bs4 import BeautifulSoup

    assert seed().exit_code == 0
    c = app.test_client()
    page = c.get("/login")
    c.post(
        "/login",
        data={"email": email, "password": DEMO_PASSWORD, "csrf_token": csrf_from(page)},
    )
    html = BeautifulSoup(c.get("/bureau/reports").get_data(as_text=True), "html.parser")
    assert html.h1.get_text(strip=True) == heading
    intro = html.select_one("p.muted").get_text()
    assert intro.startswith(scope_words)
    if "全国" in heading:
        assert "管轄内" not in intro
    tiles = {
        t.select_one(".label").get_text(): t.select_one(".value").get_text()
        for t in html.select(".score-tile")
    }
    this_year = fiscal_year_of(today_jst(), 4)
    assert tiles["提出企業数"] == companies
    assert (
        html.select_one("#release option[selected]").get_text().startswith(f"{this_year - 1}年度")
    )
    # the Tokyo and Osaka companies submitted both years: the panel has figures
    (table,) = [
        t
        for t in html.select("table")
        if t.caption.get_text(strip=True).startswith("前年度との比較（両年度に提出した企業のみ")
    ]
    first = [c.get_text(strip=True) for c in table.select("tbody tr")[0].find_all(["th", "td"])]
    assert first[:2] == ["全体", panel] and first[2] != "—（非公表）"
