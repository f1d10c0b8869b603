"""Helpers for the members, advisors and audit-log tests: drive the owner's pages like a browser,
read invitation links from the log-backend outbox, check that hostile text is escaped."""

import re

from markupsafe import escape

from app.assessments import services
from app.web.mail import outbox
from questionnaires import load_index
from tests.conftest import csrf_from

INDEX = load_index("2019-07")
LINK = re.compile(r"http://[^/\s]+(/invitations/[A-Za-z0-9_-]+)")

XSS_PAYLOADS = (
    '"><img src=x onerror=alert(1)>',
    "</textarea><script>alert(1)</script>",
    "{{7*7}}",
)


def assert_escaped(html: str, payload: str) -> None:
    """The payload appears only in its escaped form, and a template expression is not run."""
    safe = str(escape(payload))
    if safe == payload:  # nothing to escape ({{7*7}}): it must show literally, not as 49
        assert payload in html
    else:
        assert payload not in html
        assert safe in html


def invite(client, company_id, email, role="editor"):
    page = client.get(f"/companies/{company_id}/members")
    return client.post(
        f"/companies/{company_id}/invitations",
        data={"csrf_token": csrf_from(page), "email": email, "role": role},
    )


def last_link_to(email: str) -> str:
    """The path of the newest invitation link mailed to ``email``."""
    for message in reversed(outbox()):
        if message["to"] == email:
            return LINK.search(message["body"]).group(1)
    raise AssertionError(f"no mail to {email}")


def post_with_csrf(client, page_url, url, data=None):
    page = client.get(page_url)
    return client.post(url, data={"csrf_token": csrf_from(page), **(data or {})})


def grant(client, company_id, email, scope="read"):
    return post_with_csrf(
        client,
        f"/companies/{company_id}/advisors",
        f"/companies/{company_id}/advisors",
        {"email": email, "scope": scope},
    )


def submitted_assessment(company, owner, year=2025, level=2):
    """A fully answered, submitted assessment made through the services."""
    assessment = services.start_assessment(
        company, year, owner, prefill=False, index_version="2019-07"
    )
    services.confirm_profile(assessment)
    for step in INDEX.steps:
        values = {
            i: {"current": level, "target": level + 1, "evidence": "", "action": ""}
            for i in step.item_ids
        }
        assert services.save_step(assessment, step, values, 0, owner) is None
    assert services.submit(assessment, assessment.version, owner)
    return assessment


def draft_assessment(company, owner, year=2026):
    return services.start_assessment(company, year, owner, prefill=False, index_version="2019-07")


def sign_in_as_new_viewer(db, client, login, make_user, company_id: int) -> None:
    """Sign the owner out and a new viewer of the company in (the same page seen read-only)."""
    from app.models import Membership

    viewer = make_user(email="viewer@example.jp")
    db.session.add(Membership(company_id=company_id, user_id=viewer.id, role="viewer"))
    db.session.commit()
    client.post("/logout", data={"csrf_token": ""})
    client.delete_cookie("session")
    login(viewer.email)
