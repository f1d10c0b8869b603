"""The site footer cites the index version of the assessment a page shows, with the source its
file names, else the default version for new assessments (issue 15); a synthetic version is
never cited as an official index. Parsed pages on the real database."""

from __future__ import annotations

from pathlib import Path

from app.indexes import services as index_versions
from app.models import Assessment
from questionnaires import DEFAULT_VERSION, load_index
from tests.integration.helpers import fill_all_steps, submit

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "index_versions"
SYNTHETIC = "synthetic-2026"


def _cited(page) -> tuple[str, list[tuple[str, str]]]:
    """(the footer citation's text, [(link text, href)])."""
    footer = page.select_one("footer .index-citation")
    assert footer is not None, "no citation in the footer"
    return " ".join(footer.get_text().split()), [
        (a.get_text(), a["href"]) for a in footer.select("a")
    ]


def _official_citation(version: str) -> tuple[str, str, str]:
    index = load_index(version)
    source = index.source_of(index.default_source_id)
    assert source.shown_as_official
    return index.title, source.title, source.url


def test_public_pages_cite_the_default_version_and_follow_it(app, client_request, db):
    title, source, url = _official_citation(DEFAULT_VERSION)
    text, links = _cited(client_request.get("help.glossary"))
    assert f"「{title}」（{DEFAULT_VERSION}版）に基づきます" in text
    assert links == [(source, url)]

    runner = app.test_cli_runner()
    assert (
        runner.invoke(args=["index", "load", str(FIXTURES / "synthetic-2026.yaml")]).exit_code == 0
    )
    index_versions.set_default(SYNTHETIC)
    text, links = _cited(client_request.get("help.glossary"))
    assert f"（{SYNTHETIC}）は試験用の合成データで、公式の指標ではありません" in text
    assert "に基づきます" not in text and links == []  # nothing cited as official


def test_assessment_pages_cite_their_own_version(
    app, client_request, client, db, make_company, make_user
):
    from tests.integration.member_helpers import submitted_assessment

    runner = app.test_cli_runner()
    assert (
        runner.invoke(args=["index", "load", str(FIXTURES / "synthetic-2026.yaml")]).exit_code == 0
    )
    owner = make_user(email="owner@example.jp")
    company = make_company(owner)
    old = submitted_assessment(company, owner, year=2025)  # the default (2019) version
    client_request.login(owner)
    client_request.post(
        "assessments.start",
        company_id=company.id,
        _data={"fiscal_year": "2026", "index_version": SYNTHETIC},
        _from=client_request.url("companies.dashboard", company_id=company.id),
        _expected_status=302,
    )
    new = db.session.scalar(db.select(Assessment).where(Assessment.fiscal_year == 2026))
    index = load_index(SYNTHETIC)
    step = client_request.get("assessments.step", assessment_id=new.id, step_id=index.steps[0].id)
    assert "公式の指標ではありません" in _cited(step)[0]
    fill_all_steps(client, new.id, index, current=3, target=4)
    assert submit(client, new.id).status_code == 302
    assert SYNTHETIC in _cited(client_request.get("assessments.results", assessment_id=new.id))[0]
    # The 2019 year's results cite 2019, also once the synthetic version is the default.
    index_versions.set_default(SYNTHETIC)
    title, source, url = _official_citation(DEFAULT_VERSION)
    text, links = _cited(client_request.get("assessments.results", assessment_id=old.id))
    assert f"（{DEFAULT_VERSION}版）に基づきます" in text and links == [(source, url)]
    # A page without an assessment (the dashboard) cites the default, now synthetic.
    dashboard = client_request.get("companies.dashboard", company_id=company.id)
    assert f"（{SYNTHETIC}）" in _cited(dashboard)[0]


def test_a_signed_in_page_cites_a_changed_default_on_the_next_request(
    app, client_request, db, make_user
):
    """The default comes with the user loader's query (app/auth/session.py), per request."""
    client_request.login(make_user(email="owner@example.jp"))
    assert "に基づきます" in _cited(client_request.get("help.glossary"))[0]
    runner = app.test_cli_runner()
    assert (
        runner.invoke(args=["index", "load", str(FIXTURES / "synthetic-2026.yaml")]).exit_code == 0
    )
    index_versions.set_default(SYNTHETIC)
    assert "公式の指標ではありません" in _cited(client_request.get("help.glossary"))[0]
    index_versions.set_default(DEFAULT_VERSION)
    assert "に基づきます" in _cited(client_request.get("help.glossary"))[0]
