"""Every page the access matrix renders successfully, for every role, passes the same checks:
exactly one h1, a <title> that begins with the h1's text, no duplicate ids, and a CSRF token
in every form that posts. The matrix's world and its table of endpoints are reused, so a new
page is checked as soon as it gets its matrix row."""

import re
from collections import Counter

import pytest

from tests.integration.test_access_matrix import CASES, ROLES, build_world, signed_in_client
from tests.pages import Page

# Flask-WTF reads the token from `csrf_token` or, for a form with a prefix, `<prefix>-csrf_token`.
CSRF_NAME = re.compile(r"^(.+-)?csrf_token$")


def hygiene_problems(page: Page) -> list[str]:
    problems = []
    h1s = page.texts("h1")
    if len(h1s) != 1:
        problems.append(f"{len(h1s)} h1 elements: {h1s}")
    elif not page.title.startswith(h1s[0]):
        problems.append(f"title {page.title!r} does not begin with the h1 {h1s[0]!r}")
    ids = Counter(el["id"] for el in page.select("[id]"))
    duplicates = sorted(i for i, n in ids.items() if n > 1)
    if duplicates:
        problems.append(f"duplicate ids: {duplicates}")
    for form in page.find_all("form"):
        if form.get("method", "get").lower() == "post" and not form.find(
            "input", attrs={"name": CSRF_NAME, "value": True}
        ):
            problems.append(f"form posting to {form.get('action')} has no csrf_token")
    return problems


def test_the_check_finds_each_fault(app):
    """The check is not vacuous: each rule fires on a page that breaks it."""

    class Response:
        status_code = 200

        def __init__(self, html):
            self.html = html
            self.headers = {}

        def get_data(self, as_text):
            return self.html

    good = (
        "<title>会社 | DX</title><h1>会社</h1><p id='a'></p>"
        "<form method='post'><input name='csrf_token' value='t'></form>"
    )
    assert hygiene_problems(Page(Response(good))) == []
    prefixed = good.replace("name='csrf_token'", "name='revise-csrf_token'")
    assert hygiene_problems(Page(Response(prefixed))) == []
    bad = {
        "<title>x</title><h1>a</h1><h1>b</h1>": "2 h1 elements",
        "<title>x</title>": "0 h1 elements",
        "<title>別 | DX</title><h1>会社</h1>": "does not begin",
        "<title>a</title><h1>a</h1><p id='x'></p><div id='x'></div>": "duplicate ids",
        "<title>a</title><h1>a</h1><form method='POST' action='/x'></form>": "no csrf_token",
        "<title>a</title><h1>a</h1><form method='post'><input name='csrf_token'></form>": "no csrf",
        "<title>a</title><h1>a</h1><form method=post><input name='xcsrf_token' value='1'>": "csrf",
    }
    for html, fault in bad.items():
        problems = hygiene_problems(Page(Response(html)))
        assert len(problems) == 1 and fault in problems[0], (html, problems)


@pytest.mark.parametrize("role", ROLES)
def test_every_rendered_page_is_well_formed(app, role):
    users, ids = build_world()
    client, token = signed_in_client(app, role, users)
    checked, failures = 0, []
    for case in CASES:
        if case.expected(role) != 200 or case.url == "/logout":
            continue
        url = case.url.format(**ids)
        if case.method == "GET":
            response = client.get(url)
        else:
            response = client.post(url, data={"csrf_token": token})
        if response.status_code != 200 or response.mimetype != "text/html":
            continue  # the access matrix owns statuses; CSV and JSON are not pages
        checked += 1
        failures += [f"{case.method} {case.url}: {p}" for p in hygiene_problems(Page(response))]
    assert checked, f"{role}: no page was checked"
    assert not failures, f"{role}:\n" + "\n".join(failures)
