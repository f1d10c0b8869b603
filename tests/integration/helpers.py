"""Helpers that drive the questionnaire the way a browser would (GET the page, POST its form).
A `page` is either a raw test-client response or a parsed Page from `client_request`."""

import re
from pathlib import Path

from questionnaires import load_index
from tests.conftest import csrf_from
from tests.pages import Page

VERSION = re.compile(r'name="version" value="(\d+)"')

# The 3-item, 2-step index for tests about the mechanism; the `tiny_index` fixture makes the
# application able to load it by its version id.
TINY_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "questionnaires"
TINY_VERSION = "test-tiny"
TINY = load_index(path=TINY_DIR / f"{TINY_VERSION}.yaml")


def step_version(page) -> str:
    if isinstance(page, Page):
        return page.field_value("version")
    match = VERSION.search(page.get_data(as_text=True))
    assert match, "step page has no version field"
    return match.group(1)


def token_of(page) -> str:
    return page.csrf_token if isinstance(page, Page) else csrf_from(page)


def step_payload(step, current, target, evidence="", page=None, nav="next"):
    """Form data for a whole step; `current`/`target` are ints or callables of the item id."""
    data = {"nav": nav}
    if page is not None:
        data["csrf_token"] = token_of(page)
        data["version"] = step_version(page)
    for item_id in step.item_ids:
        data[f"item-{item_id}-current"] = str(current(item_id) if callable(current) else current)
        data[f"item-{item_id}-target"] = str(target(item_id) if callable(target) else target)
        data[f"item-{item_id}-evidence"] = evidence
        data[f"item-{item_id}-action"] = ""
    return data


def fill_all_steps(client, assessment_id, index, current=2, target=4):
    page = client.get(f"/assessments/{assessment_id}/steps/profile")
    client.post(
        f"/assessments/{assessment_id}/steps/profile",
        data={"csrf_token": csrf_from(page), "nav": "next"},
    )
    for step in index.steps:
        url = f"/assessments/{assessment_id}/steps/{step.id}"
        page = client.get(url)
        response = client.post(url, data=step_payload(step, current, target, page=page))
        assert response.status_code == 302, response.get_data(as_text=True)[:800]


def submit(client, assessment_id, confirm_lower=False):
    page = client.get(f"/assessments/{assessment_id}/review")
    data = {
        "csrf_token": csrf_from(page),
        "version": re.search(
            r'id="version" name="version" type="hidden" value="(\d+)"', page.get_data(as_text=True)
        ).group(1),
    }
    if confirm_lower:
        data["confirm_lower_targets"] = "y"
    return client.post(f"/assessments/{assessment_id}/submit", data=data)
