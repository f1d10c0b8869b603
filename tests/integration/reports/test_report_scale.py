"""The number of SQL statements of a report page and its downloads does not grow with the
number of companies (10 and 1,000 submitted companies, written in bulk)."""

import random

from sqlalchemy import event, insert

from app.models import Answer, Assessment, Company
from questionnaires import reference
from tests.integration.reports.conftest import INDEX, YEAR


def _bulk(db, count, start):
    """``count`` companies across every prefecture with submitted assessments (bulk inserts)."""
    rng = random.Random(start)
    prefectures = list(reference.prefectures())
    industries = list(reference.jsic_divisions())
    db.session.execute(
        insert(Company),
        [
            {
                "id": start + k,
                "name": f"一括{start + k}",
                "prefecture_code": prefectures[k % len(prefectures)],
                "jsic_division": industries[k % len(industries)],
                "sme_sector": "manufacturing",
                "employees": rng.choice([5, 50, 500, None]),
                "capital_yen": rng.choice([10**6, 10**8, 10**10, None]),
            }
            for k in range(count)
        ],
    )
    db.session.execute(
        insert(Assessment),
        [
            {
                "id": start + k,
                "company_id": start + k,
                "fiscal_year": YEAR,
                "index_version": INDEX.version_id,
                "status": "submitted",
                "version": 2,
            }
            for k in range(count)
        ],
    )
    db.session.execute(
        insert(Answer),
        [
            {
                "assessment_id": start + k,
                "item_id": item.id,
                "current_level": rng.randint(0, 4),
                "target_level": rng.randint(2, 5),
            }
            for k in range(count)
            for item in INDEX.items
        ],
    )
    db.session.commit()


def _statements(app, db, session, endpoint, **query):
    seen = []

    def count(*_args, **_kwargs):
        seen.append(1)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        response = session.client.get(session.url(endpoint, **query))
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert response.status_code == 200
    return len(seen)


def test_statements_per_report_page_do_not_grow_with_companies(
    app, db, release, bureau_client, monkeypatch
):
    monkeypatch.setitem(app.config, "REPORT_EXPORT_LIMITS", "1000 per hour")
    national, kanto = bureau_client("national"), bureau_client("kanto")
    counts = []
    for total, start in ((10, 100_000), (990, 200_000)):
        _bulk(db, total, start)
        release()
        counts.append(
            [
                _statements(app, db, s, endpoint, **query)
                for s in (national, kanto)
                for endpoint in ("reports.index", "reports.export_csv", "reports.export_xlsx")
                for query in ({}, {"industry": "E"})
            ]
        )
    few, many = counts
    assert few == many
    page = national.get("reports.index")
    assert page.select_one(".score-tile .value").get_text() == "1000"
