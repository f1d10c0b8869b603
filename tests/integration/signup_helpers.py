"""Sign up the way a person does: fill the form, open the link from the mail, confirm."""

import re

from app.web.mail import outbox
from tests.conftest import PASSWORD, csrf_from

CONFIRM_LINK = re.compile(r"https?://[^/\s]+(/signup/confirm/[A-Za-z0-9_-]+)")


def request_signup(client, email, display_name="山田 太郎", password=PASSWORD, query=""):
    page = client.get("/signup" + query)
    return client.post(
        "/signup" + query,
        data={
            "display_name": display_name,
            "email": email,
            "password": password,
            "password_confirm": password,
            "csrf_token": csrf_from(page),
        },
    )


def last_mail_to(email: str) -> dict:
    for message in reversed(outbox()):
        if message["to"] == email:
            return message
    raise AssertionError(f"no mail to {email}")


def confirm_link(email: str) -> str:
    match = CONFIRM_LINK.search(last_mail_to(email)["body"])
    assert match, "the newest mail to this address has no confirmation link"
    return match.group(1)


def sign_up(client, email, display_name="山田 太郎", password=PASSWORD, query=""):
    """The whole sign-up; returns the confirming POST's response (a redirect when it worked)."""
    response = request_signup(client, email, display_name, password, query)
    assert response.status_code == 302 and response.headers["Location"] == "/signup/sent"
    link = confirm_link(email)
    page = client.get(link)
    assert page.status_code == 200
    return client.post(link, data={"csrf_token": csrf_from(page)})
