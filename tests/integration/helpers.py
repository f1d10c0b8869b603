"""Helpers that drive the questionnaire the way a browser would (GET the page, POST its form)."""

import re

from tests.conftest import csrf_from

VERSION = re.compile(r'name="version" value="(\d+)"')


def step_version(page) -> str:
    match = VERSION.search(page.get_data(as_text=True))
    assert match, "step page has no version field"
    return match.group(1)


def step_payload(step, current, target, evidence="", page=None, nav="next"):
    """Form data for a whole step; `current`/`target` are ints or callables of the item id."""
    data = {"nav": nav}
    if page is not None:
        data["csrf_token"] = csrf_from(page)
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
