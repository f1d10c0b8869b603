"""Fixtures shared by the feature folders under tests/integration/."""

import pytest

from questionnaires import loader
from tests.integration.helpers import TINY_DIR, TINY_VERSION
from tests.integration.member_helpers import draft_assessment, submitted_assessment


@pytest.fixture()
def owner_company(make_user, make_company, login):
    """An owner logged in through `client`, and their company."""
    owner = make_user(email="owner@example.jp", display_name="山田 太郎")
    company = make_company(owner)
    login(owner.email)
    return owner, company


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


@pytest.fixture()
def tiny_index(monkeypatch):
    """The 3-item, 2-step index of tests/fixtures/questionnaires/test-tiny.yaml, loadable by
    version like a packaged one, for tests about the mechanism rather than the 35 items."""
    monkeypatch.setattr(loader, "EXTRA_DEFINITIONS_DIRS", (TINY_DIR,))
    loader._load_version.cache_clear()
    yield loader.load_index(TINY_VERSION)
    loader._load_version.cache_clear()


@pytest.fixture()
def owner_with_tiny_assessment(tiny_index, make_user, make_company, login):
    """Like `owner_with_assessment`, with this year's draft on the tiny index."""
    from app.assessments import services

    owner = make_user(email="owner@example.jp")
    company = make_company(owner)
    assessment = services.start_assessment(
        company, 2026, owner, prefill=False, index_version=TINY_VERSION
    )
    login(owner.email)
    return owner, company, assessment
