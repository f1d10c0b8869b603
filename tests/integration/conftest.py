"""Fixtures shared by the feature folders under tests/integration/."""

import pytest

from tests.integration.member_helpers import draft_assessment, submitted_assessment


@pytest.fixture()
def advised_company(make_user, make_company, login):
    """Owner (logged in through `client`), company with a submitted and a draft assessment,
    and an advisor account without any grant yet."""
    owner = make_user(email="owner@example.jp")
    company = make_company(owner, name="支援先株式会社", prefecture="27")
    submitted = submitted_assessment(company, owner, year=2025)
    draft = draft_assessment(company, owner, year=2026)
    advisor = make_user(
        role="advisor",
        email="advisor@example.jp",
        display_name="支援 花子",
        organisation="大阪商工会議所",
    )
    login(owner.email)
    return owner, company, submitted, draft, advisor
