"""The index's official texts (item titles, questions, level names and descriptions) stay
Japanese in the English UI, so they carry lang="ja" there: screen readers then switch voice
instead of reading Japanese with English rules (WCAG 3.1.2, language of parts)."""

import pytest

from tests.integration.helpers import TINY

STEP = TINY.steps[0]
OFFICIAL = (".item-title", "p.question", ".level-text", ".group-title span")


def _language_of(element) -> str | None:
    """The language a reader applies to an element: its own or the nearest ancestor's lang."""
    for node in [element, *element.parents]:
        if getattr(node, "get", None) and node.get("lang"):
            return node.get("lang")
    return None


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_step_page_marks_official_texts_as_japanese(
    client_request, owner_with_tiny_assessment, lang
):
    _, _, assessment = owner_with_tiny_assessment
    url = client_request.url(
        "assessments.step", assessment_id=assessment.id, step_id=STEP.id, lang=lang
    )
    page = client_request.get_url(url)
    assert page.select_one("html")["lang"] == lang
    for selector in OFFICIAL:
        elements = page.select(selector)
        assert elements, selector
        assert {_language_of(e) for e in elements} == {"ja"}, selector
    # The page's own words follow the UI language.
    assert _language_of(page.select_one("h1")) == lang


def test_review_page_marks_item_titles_as_japanese(client_request, owner_with_tiny_assessment):
    _, _, assessment = owner_with_tiny_assessment
    page = client_request.get_url(
        client_request.url("assessments.review", assessment_id=assessment.id, lang="en")
    )
    links = page.select("li a[href*='#item-'] span[lang]")
    assert links
    assert {_language_of(e) for e in links} == {"ja"}
