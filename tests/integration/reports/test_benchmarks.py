"""Peer benchmarks (app/reports/benchmarks.py): hand-computed medians and percentiles, the
minimum of k OTHER companies, nothing learnt from one's own submit / reopen / resubmit, the
advisor seeing exactly what the company sees, and nothing after the grant is revoked."""

from __future__ import annotations

from datetime import UTC
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, text

from app.advisors import services as advisor_services
from app.extensions import db
from app.models import AdvisorGrant, BenchmarkPosition, BenchmarkRank, ReleaseMember
from app.reports import benchmark_build, benchmarks, releases, stats
from app.reports.disclosure import MIN_COMPANIES
from questionnaires import DEFAULT_VERSION
from tests.integration.reports.conftest import INDEX, YEAR

ITEMS = [i.id for i in INDEX.items]

JST = ZoneInfo("Asia/Tokyo")
TOKYO = "13"
SIZE = {"capital_yen": 10_000_000, "employees": 10}  # every test company: the same size class


def assessment_of(company, year=YEAR):
    return next(a for a in company.assessments if a.fiscal_year == year)


def overall(company) -> tuple[str, float | None, int | None]:
    """(release date, median, percentile) of the overall mean in the 'all companies' group."""
    b = benchmarks.for_assessment(assessment_of(company))
    group = next((g for g in b.groups if g.kind.code == "all"), None)
    if group is None:
        return ("", None, None)
    when = group.released_at
    when = (when if when.tzinfo else when.replace(tzinfo=UTC)).astimezone(JST)  # pages show JST
    return (f"{when:%Y-%m-%d}", group.medians["overall"], group.percentiles["overall"])


def groups_seen(company) -> dict:
    """Everything the reader gives the company, as comparable plain data."""
    b = benchmarks.for_assessment(assessment_of(company))
    return {
        g.kind.code: (g.name, g.companies, g.released_at, g.medians, g.percentiles)
        for g in b.groups
    }


def test_median_and_percentile_computed_by_hand(submitted, release):
    # Seven companies answering one level everywhere: overall means 0, 1, 1, 2, 3, 4, 5.
    levels = [0, 1, 1, 2, 3, 4, 5]
    companies = [submitted(TOKYO, level, 5, **SIZE) for level in levels]
    release()
    # Median of the seven: 2. Percentile = (others below + ties / 2) / 6 others.
    expected = {
        0: 0,  # nobody below
        1: round(100 * (1 + 0.5) / 6),  # 0 below, the other 1 ties -> 25
        2: 50,  # 0, 1, 1 below
        3: round(100 * 4 / 6),  # 67
        5: 100,
    }
    for company, level in zip(companies, levels, strict=True):
        seen = groups_seen(company)
        assert set(seen) == {"industry", "size", "region", "all"}
        for _name, n, _date, medians, percentiles in seen.values():
            assert n == 7
            assert medians["overall"] == 2
            assert set(percentiles) == {key for key, _ in benchmarks.measures(INDEX)}
            if level in expected:
                assert percentiles["overall"] == expected[level]


def test_framework_and_group_measures_are_the_companies_own_means(submitted, release):
    # Management items at one level, IT items at another: framework medians by hand.
    companies = [submitted(TOKYO, (j % 6, 5 - j % 6), 5, **SIZE) for j in range(6)]
    release()
    _name, _n, _date, medians, percentiles = groups_seen(companies[0])["all"]
    assert medians["f:mgmt"] == 2.5  # median of 0..5
    assert medians["f:it"] == 2.5
    # Company 0: management 0 (nobody of the 5 others below), IT 5 (all 5 others below).
    assert percentiles["f:mgmt"] == 0
    assert percentiles["f:it"] == 100


def _uneven(j):
    """Levels that give means like 79/35 or 40/17 (no short decimal)."""
    return lambda item: (j * 7 + ITEMS.index(item) * (j % 4 + 1)) % 6


def _measure_items() -> list[tuple[str, tuple[str, ...] | None]]:
    """Each measure's items (None: every answer), as benchmarks.measures defines them."""
    result: list[tuple[str, tuple[str, ...] | None]] = [("overall", None)]
    result += [(f"f:{f.id}", tuple(f.item_ids)) for f in INDEX.frameworks]
    result += [(f"g:{g.id}", tuple(g.item_ids)) for g in INDEX.groups]
    return result


def _hand_positions(companies) -> dict:
    """measure -> [each company's mean of its current levels there]."""
    by_measure = {}
    for company in companies:
        levels = {a.item_id: a.current_level for a in assessment_of(company).answers}
        for measure, items in _measure_items():
            chosen = [levels[i] for i in (items or levels)]
            by_measure.setdefault(measure, []).append(sum(chosen) / len(chosen))
    return by_measure


def test_positions_at_uneven_means_equal_a_recomputation(submitted, release):
    # The stored mean of each member must find the rank stored at that very float (computed by
    # SQL there, by Python here) on both databases.
    companies = [submitted(TOKYO, _uneven(j), 5, **SIZE) for j in range(9)]
    release()
    by_measure = _hand_positions(companies)
    assert len(set(by_measure["overall"])) >= 5, "the pattern must give distinct means"
    for j, company in enumerate(companies):
        percentiles = groups_seen(company)["all"][4]
        expected = {
            measure: benchmarks.percentile(values[j], sorted(values))
            for measure, values in by_measure.items()
        }
        assert percentiles == expected
    # The release stored ranks (one per group, measure and distinct mean), no row per member.
    assert db.session.query(BenchmarkPosition).count() == 0
    assert db.session.query(BenchmarkRank).count() > 0


def test_positions_found_when_the_connection_prints_short_floats(submitted):
    # A pooler or server set to extra_float_digits = 0 prints 15 digits: ranks stored from
    # such text would miss the members' exact means. The build sets its own precision.
    if db.engine.dialect.name != "postgresql":
        pytest.skip("extra_float_digits is a setting of PostgreSQL; SQLite returns REAL as is")
    companies = [submitted(TOKYO, _uneven(j), 5, **SIZE) for j in range(9)]
    db.session.execute(text("SET extra_float_digits = 0"))
    releases.create_release(YEAR, DEFAULT_VERSION)
    by_measure = _hand_positions(companies)
    for j, company in enumerate(companies):
        expected = {m: benchmarks.percentile(v[j], sorted(v)) for m, v in by_measure.items()}
        assert groups_seen(company)["all"][4] == expected


def test_means_of_another_length_show_no_position_and_no_error(submitted, release):
    companies = [submitted(TOKYO, j % 6, 5, **SIZE) for j in range(MIN_COMPANIES + 2)]
    release()
    assert groups_seen(companies[0])  # positions shown
    member = db.session.scalars(
        select(ReleaseMember).where(ReleaseMember.company_id == companies[0].id)
    ).one()
    member.means = member.means[:-1]  # e.g. an index version whose groups changed since
    db.session.commit()
    assert groups_seen(companies[0]) == {}
    assert groups_seen(companies[1])  # the others' are unaffected


def test_positions_of_a_release_made_before_the_ranks_are_still_read(submitted, release):
    # A release made before the ranks: its members have no stored means and one position row
    # per member and group; the reader shows those rows as they are.
    companies = [submitted(TOKYO, j % 6, 5, **SIZE) for j in range(MIN_COMPANIES + 2)]
    release_id = release()
    company = companies[3]
    db.session.query(BenchmarkRank).delete()
    db.session.query(ReleaseMember).update({"means": None})
    assessment = assessment_of(company)
    member = db.session.get(ReleaseMember, (release_id, company.id))
    cells = benchmarks.peer_cells(member.bureau_code, member.jsic_division, member.size_class)
    for key in cells.values():
        db.session.add(
            BenchmarkPosition(
                release_id=release_id,
                company_id=company.id,
                cell_key=key,
                assessment_id=assessment.id,
                submission=assessment.version,
                percentiles={"overall": 42},
            )
        )
    db.session.commit()
    seen = groups_seen(company)
    assert len(seen) == 4
    assert all(percentiles == {"overall": 42} for *_rest, percentiles in seen.values())
    assert groups_seen(companies[0]) == {}  # no stored row: nothing


def test_a_group_needs_k_other_companies(submitted, release, client_request):
    companies = [submitted(TOKYO, j % 3, 5, **SIZE) for j in range(MIN_COMPANIES)]
    release()
    # The bureau report publishes a cell of k companies, but each company has only k - 1 others.
    for company in companies:
        b = benchmarks.for_assessment(assessment_of(company))
        assert b.counted and b.groups == []
    assert db.session.query(BenchmarkPosition).count() == 0
    owner = companies[0].memberships[0].user
    page = client_request.login(owner).get(
        "assessments.results", assessment_id=assessment_of(companies[0]).id
    )
    assert page.select(".benchmark-table") == []
    assert "比較対象の企業が足りない" in page.text("#benchmarks-heading + p")
    # One more company would change the cell by one submission (carried, still nothing); k more
    # change it by k: published afresh, and every company has k or more others.
    companies.append(submitted(TOKYO, 4, 5, **SIZE))
    release()
    assert all(benchmarks.for_assessment(assessment_of(c)).groups == [] for c in companies)
    companies += [submitted(TOKYO, 4, 5, **SIZE) for _ in range(MIN_COMPANIES)]
    release()
    assert all(len(benchmarks.for_assessment(assessment_of(c)).groups) == 4 for c in companies)


def test_own_submission_before_and_after_teaches_nothing(submitted, release, resubmit):
    peers = [submitted(TOKYO, j % 3, 5, **SIZE) for j in range(MIN_COMPANIES + 1)]
    release()
    before = {c.id: groups_seen(c) for c in peers}
    assert all(len(v) == 4 for v in before.values())

    # A newcomer submits: the next release differs by one company, so every group is carried
    # (前回公表値); the newcomer (not in the carried release) sees nothing, the others the same.
    newcomer = submitted(TOKYO, 5, 5, **SIZE)
    release()
    assert groups_seen(newcomer) == {}
    assert {c.id: groups_seen(c) for c in peers} == before

    # A peer reopens (not counted while reopened) and resubmits other answers: one change
    # again, so neither it nor anybody else sees a new figure.
    resubmit(peers[0], 5, 5, submit=False)
    release()
    resubmit(peers[0], 5, 5)
    release()
    assert {c.id: groups_seen(c) for c in peers} == before
    assert groups_seen(newcomer) == {}


def test_position_withheld_when_only_k_minus_1_others_changed(submitted, release, resubmit):
    peers = [submitted(TOKYO, j % 3, 5, **SIZE) for j in range(MIN_COMPANIES + 1)]
    release()
    before = groups_seen(peers[0])
    # peers[0] resubmits and k - 1 newcomers submit: the group changed by k submissions, so the
    # release publishes it afresh; but peers[0] knows its own change, and the others changed by
    # only k - 1: its new position would tell it about fewer than k companies.
    resubmit(peers[0], 4, 5)
    newcomers = [submitted(TOKYO, 2, 5, **SIZE) for _ in range(MIN_COMPANIES - 1)]
    release()
    after = groups_seen(peers[0])
    assert after == {}, "only k - 1 others changed: no position for the resubmitter"
    assert before != {}
    # An unchanged peer sees a group changed by k others: its new position is shown.
    assert groups_seen(peers[1])["all"][1] == MIN_COMPANIES * 2
    # A newcomer's own joining is one of the k changes, so the same rule withholds its position.
    assert groups_seen(newcomers[0]) == {}


def test_advisor_sees_what_the_company_sees_and_nothing_after_revoke(
    submitted, release, client_request, make_user
):
    companies = [submitted(TOKYO, j % 6, 5, **SIZE) for j in range(MIN_COMPANIES + 2)]
    release()
    company = companies[2]
    assessment = assessment_of(company)
    owner = company.memberships[0].user
    advisor = make_user(role="advisor", organisation="支援センター")
    grant = AdvisorGrant(company_id=company.id, advisor_id=advisor.id, scope="comment")
    db.session.add(grant)
    db.session.commit()

    def tables(page):
        """The benchmark table (cell texts) and the release dates under it."""
        rows = [
            [" ".join(c.get_text(" ").split()) for c in tr.find_all(["th", "td"])]
            for tr in page.select("table.benchmark-table tr")
        ]
        return rows, page.texts(".benchmark-sources li")

    as_owner = client_request.login(owner)
    owner_view = tables(as_owner.get("assessments.results", assessment_id=assessment.id))
    header, sources = owner_view[0][0], owner_view[1]
    assert [h.split(" ")[0] for h in header[2:6]] == [
        "同業種",
        "同規模",
        "同じ経済産業局",
        "全企業",
    ]
    assert f"{len(companies)}社" in header[5]
    overall_row = next(r for r in owner_view[0][1:] if r[0].startswith("全"))
    date, median, pct = overall(company)
    assert overall_row[5] == f"{median:.2f} 位置 {pct}"
    assert sources == [f"{date} 公表の集計による（同業種、同規模、同じ経済産業局、全企業）"]

    as_advisor = client_request.new_session().login(advisor)
    assert tables(as_advisor.get("assessments.results", assessment_id=assessment.id)) == owner_view
    assert tables(as_advisor.get("advisors.client_report", company_id=company.id)) == owner_view

    advisor_services.revoke_grant(company, grant.id, owner)
    db.session.commit()
    for endpoint, values in (
        ("assessments.results", {"assessment_id": assessment.id}),
        ("advisors.client_report", {"company_id": company.id}),
    ):
        response = as_advisor.client.get(as_advisor.url(endpoint, **values))
        assert response.status_code in (403, 404)
        assert "公表の集計による" not in response.get_data(as_text=True)


def test_no_release_no_benchmark(submitted, client_request):
    companies = [submitted(TOKYO, j % 3, 5, **SIZE) for j in range(MIN_COMPANIES + 2)]
    b = benchmarks.for_assessment(assessment_of(companies[0]))
    assert not b.counted and b.groups == []


@pytest.mark.parametrize(
    ("value", "ordered", "expected"),
    [
        (2.0, [0.0, 1.0, 1.0, 2.0, 3.0, 4.0, 5.0], 50),
        (1.0, [0.0, 1.0, 1.0, 2.0, 3.0, 4.0, 5.0], 25),
        (3.0, [3.0, 3.0, 3.0, 3.0, 3.0, 3.0], 50),  # all tie: the middle
        (0.0, [0.0, 1.0, 2.0, 3.0, 4.0, 5.0], 0),
    ],
)
def test_percentile_by_hand(value, ordered, expected):
    assert benchmarks.percentile(value, ordered) == expected


def test_distribution_counts_each_mean_once_and_skips_members_without_one():
    # Three members, two measures; the first has no mean in the second (no answer in its items).
    rows = [(2.0, None), (1.5, 3.0), (2.0, 3.0)]
    assert benchmark_build._distribution(rows, 2) == [[(1.5, 1), (2.0, 2)], [(3.0, 2)]]
    assert benchmark_build._distribution([], 2) == [[], []]
    assert stats.median_of_counted([(1.5, 1), (2.0, 2)]) == 2.0
