"""Known limit (issue 13, found by a review on 2026-12-04): every disclosure rule assumes that
the reader knows neither the other members of a cell nor the other companies that changed. An
account can register any number of companies (the 法人番号 is only checked for its check digit,
a 個人事業主 needs none) and choose their answers, and with them:

- lift a company that is alone in its prefecture over k = 5 and read its levels from the row;
- make 4 of the 5 changes that let a cell be published afresh, and difference the newcomer;
- fill a sparse peer group and read, from its own companies' percentiles, where the lone
  other company stands.

Each test runs the attack through the app's pages or benchmark reader and asserts that it FAILS
to recover the company. They are strict expected failures: while the attack works they are
reported as xfail; a change that defeats one makes it pass, and strict mode then fails the run
so that the marker is removed. Countermeasures not built: verified companies (法人番号 against the
National Tax Agency's register, ownership), counting companies by controlling account, coarser
positions or noise drawn once per release (differential privacy)."""

import pytest

from app.reports import benchmarks
from tests.integration.reports.conftest import INDEX, YEAR, page_tables
from tests.integration.reports.test_disclosure_attacks import _observations

FUKUOKA, KAGOSHIMA, TOKYO = "40", "46", "13"
ITEMS = [i.id for i in INDEX.items]
SIZE = {"capital_yen": 10_000_000, "employees": 10}
known_limit = pytest.mark.xfail(
    strict=True,
    raises=AssertionError,
    reason="known limit: companies the attacker controls (see the module docstring)",
)


@pytest.fixture(autouse=True)
def unlimited_downloads(app, monkeypatch):
    monkeypatch.setitem(app.config, "REPORT_EXPORT_LIMITS", "100000 per hour")


def _total(session, **query):
    obs = _observations("page", page_tables(session.get("reports.index", **query)))
    return next(o for o in obs if o.label.startswith("全体（") and o.items)


def _victim(make_user, make_company, prefecture, **fields):
    return make_company(
        make_user(email="victim@example.jp"), name="被害者株式会社", prefecture=prefecture, **fields
    )


@known_limit
def test_own_companies_do_not_reveal_a_company_alone_in_its_prefecture(
    submitted, release, bureau_client, make_user, make_company
):
    for j in range(6):
        submitted(FUKUOKA, lambda i, j=j: (j + ITEMS.index(i)) % 3, 3)
    secret = {i: 4 + ITEMS.index(i) % 2 for i in ITEMS}
    victim = _victim(make_user, make_company, KAGOSHIMA)
    submitted(KAGOSHIMA, lambda i: secret[i], 5, company=victim)
    for _ in range(4):
        submitted(KAGOSHIMA, lambda i: 1, 2)  # the attacker's own, every level 1
    release()
    row = _total(bureau_client("kyushu"), prefecture=KAGOSHIMA)
    recovered = {i: round(row.items[i][0] * row.n - 4 * 1) for i in ITEMS}
    assert row.n != 5 or recovered != secret


@known_limit
def test_four_own_changes_do_not_reveal_a_newcomer(
    submitted, release, bureau_client, make_user, make_company
):
    for j in range(6):
        submitted(FUKUOKA, lambda i, j=j: (j + ITEMS.index(i)) % 3, 3)
    release()
    kyushu = bureau_client("kyushu")
    before = _total(kyushu)
    for _ in range(4):
        submitted(FUKUOKA, lambda i: 1, 2)  # 4 of the 5 changes are the attacker's own
    secret = {i: 4 + ITEMS.index(i) % 2 for i in ITEMS}
    victim = _victim(make_user, make_company, KAGOSHIMA)
    submitted(KAGOSHIMA, lambda i: secret[i], 5, company=victim)
    release()
    after = _total(kyushu)
    recovered = {
        i: round(after.items[i][0] * after.n - before.items[i][0] * before.n - 4 * 1) for i in ITEMS
    }
    assert recovered != secret


def _levels(total):
    """A level per item whose 35 levels sum to ``total``."""
    base, extra = divmod(total, len(ITEMS))
    return lambda item_id: base + (1 if ITEMS.index(item_id) < extra else 0)


@known_limit
def test_own_companies_in_a_peer_group_do_not_place_the_lone_other(
    submitted, release, make_user, make_company
):
    for j in range(8):  # the rest of the country, in another industry
        submitted(TOKYO, lambda i, j=j: j % 3, 3, jsic="E", **SIZE)
    victim = _victim(make_user, make_company, TOKYO, jsic="A", **SIZE)
    submitted(TOKYO, _levels(77), 5, company=victim)
    own_totals = list(range(70, 85))  # 15 own companies in the victim's industry
    own = [submitted(TOKYO, _levels(t), 5, jsic="A", **SIZE) for t in own_totals]
    release()
    ties = []
    for company, total in zip(own, own_totals, strict=True):
        assessment = next(a for a in company.assessments if a.fiscal_year == YEAR)
        group = next(
            g for g in benchmarks.for_assessment(assessment).groups if g.kind.code == "industry"
        )
        below = round(2 * group.percentiles["overall"] * (group.companies - 1) / 100) / 2
        if below - sum(1 for t in own_totals if t < total) == 0.5:
            ties.append(total)  # the lone other company ties with this own company
    assert ties != [77]  # the victim's overall level sum, i.e. its mean 77/35
