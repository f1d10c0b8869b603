"""User-typed names in mails are quoted data, never link text or a sender (issue 9, finding 11)."""

import re

import pytest

from app.web.mail import outbox, quoted
from tests.integration.member_helpers import invite

HOSTILE_COMPANY = "至急確認 https://evil.example/login\r\nFrom: 経済産業省 <meti@evil.example>"
HOSTILE_NAME = "事務局（ログインはこちら evil.example/reset ）"


@pytest.fixture()
def hostile_invitation(client, make_user, make_company, login):
    owner = make_user(email="owner@example.jp", display_name=HOSTILE_NAME)
    company = make_company(owner, name=HOSTILE_COMPANY)
    login(owner.email)
    outbox().clear()
    assert invite(client, company.id, "invitee@example.jp").status_code == 302
    (message,) = outbox()
    return message


def test_names_are_kept_but_quoted_on_their_own_labelled_lines(hostile_invitation):
    body = hostile_invitation["body"]
    lines = body.splitlines()
    company_line = next(line for line in lines if line.strip().startswith("会社名:"))
    name_line = next(line for line in lines if line.strip().startswith("招待した方:"))
    assert company_line.endswith(quoted(HOSTILE_COMPANY))
    assert name_line.endswith(quoted(HOSTILE_NAME))
    assert "至急確認" in company_line and "事務局" in name_line  # kept, as data
    # The typed line break did not start a line of its own.
    assert not any(line.startswith("From:") for line in lines)


def test_the_only_link_in_the_mail_is_the_invitation(hostile_invitation):
    body = hostile_invitation["body"]
    links = re.findall(r"https?://\S+", body)
    assert len(links) == 1 and "/invitations/" in links[0]
    assert "evil.example" not in body  # defanged: evil[.]example
    assert "evil[.]example" in body


def test_subject_carries_no_user_text(hostile_invitation):
    assert "至急確認" not in hostile_invitation["subject"]
    assert "evil" not in hostile_invitation["subject"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("さくら精機株式会社", "「さくら精機株式会社」"),
        ("a\nb\x00c", "「a b c」"),
        ("see https://x.example/a", "「see https[:]//x[.]example/a」"),
        ("mail me@x.example", "「mail me@x[.]example」"),
        ("「中」", "「「中』」"),
    ],
)
def test_quoted(text, expected):
    assert quoted(text) == expected
