"""Issue 11, item 9: the glossary and the team how-to are public and linked from the steps."""

import pytest

from questionnaires import load_index
from tests.integration.test_page_hygiene import hygiene_problems

GLOSSARY_TERMS = [
    "キークエスチョン（KQ）",
    "サブクエスチョン（SQ）",
    "成熟度レベル",
    "現在値 / 目標値",
    "3年後の目標",
    "先行企業",
    "定量指標",
    "ラン・ザ・ビジネス / バリューアップ",
]


@pytest.mark.parametrize(
    ("endpoint", "h1"),
    [("help.glossary", "用語集"), ("help.team", "チームで自己診断を進めるには")],
)
def test_help_pages_are_public_and_well_formed(client_request, endpoint, h1):
    page = client_request.get(endpoint)  # not signed in
    assert page.h1 == h1
    assert page.title.startswith(h1)
    assert hygiene_problems(page) == []
    # Each page names where its facts come from.
    assert page.select_one(".sources h2").get_text() == "出典"
    assert page.select(".sources li")


def test_glossary_defines_each_term_with_an_anchor(client_request):
    page = client_request.get("help.glossary")
    assert page.texts("dl.glossary dt") == GLOSSARY_TERMS
    anchors = [a["href"] for a in page.select(".term-index a")]
    assert anchors == [f"#{dt['id']}" for dt in page.select("dl.glossary dt")]
    assert "現在値の平均が3以上" in page.text("dl.glossary dt#leading-company + dd")
    assert "IPA" in " ".join(page.texts(".sources li"))


def test_glossary_levels_are_the_index_levels(client_request, app):
    levels = load_index(app.config["INDEX_VERSION"]).levels
    rows = client_request.get("help.glossary").table("dl.glossary table")
    assert rows[0] == ["レベル", "名称", "目安"]
    assert rows[1:] == [[str(lv.value), lv.name, lv.description] for lv in levels]
    assert len(rows) == 7  # levels 0 to 5


def test_team_page_names_the_departments_that_discuss_together(client_request):
    page = client_request.get("help.team")
    intro = page.text("h1 + p")
    for who in ("経営幹部", "事業部門", "DX部門", "IT部門"):
        assert who in intro
    assert len(page.select("ol.team-steps > li")) == 6


def test_step_pages_link_to_the_help(client_request, owner_with_tiny_assessment):
    _, _, assessment = owner_with_tiny_assessment
    glossary, team = client_request.url("help.glossary"), client_request.url("help.team")
    for endpoint, values in (
        ("assessments.profile_step", {}),
        ("assessments.step", {"step_id": "first"}),
        ("assessments.kpi_step", {}),
        ("assessments.review", {}),
    ):
        page = client_request.get(endpoint, assessment_id=assessment.id, **values)
        links = {a.get_text(strip=True): a["href"] for a in page.select("aside .help-links a")}
        assert links == {"用語集": glossary, "チームでの進め方": team}, endpoint
