# ruff: noqa: E501 - SQL column lists and report lines read better unwrapped
"""Bureau report benchmark: a data generator and timings of release, pages and exports.

    .venv/bin/python -m bench.reports --companies 100000 --database postgresql://postgres@127.0.0.1:5432/NAME

The database must be empty (it is migrated here). Generates ``companies`` companies in all 47
prefectures, every JSIC division and size class, each with submitted assessments for three
fiscal years x 35 items (levels drawn around an average that rises by year, as IPA reports;
targets 1-3 levels above), 2 % of them reopened and resubmitted (version counter 4). Then:

- ``release``: `flask reports release` for each year (wall time);
- pages: the national and a bureau report, unfiltered and filtered, CSV and .xlsx (p50/p95 over
  ``--repeat`` requests through the Flask test client, signed in);
- ``live``: the live aggregate the old report ran per request (GROUP BY over the answer rows of
  one year), measured in the same run as the baseline the release replaces.
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import re
import statistics
import sys
import time
from datetime import UTC, datetime

LEVEL_SPREAD = 1.1


def generate(db, companies: int, years: tuple[int, ...], version: str, items) -> None:
    from questionnaires import reference

    rng = random.Random(13)
    prefectures = list(reference.prefectures())
    industries = list(reference.jsic_divisions())
    sizes = [(5, 10**6), (60, 5 * 10**7), (800, 10**10), (None, None)]
    engine = db.engine
    company_rows, assessment_rows, bases = [], [], {}
    for k in range(1, companies + 1):
        employees, capital = rng.choice(sizes)
        company_rows.append(
            (
                k,
                f"bench{k}",
                prefectures[k % 47],
                industries[rng.randrange(len(industries))],
                "manufacturing",
                employees,
                capital,
            )
        )
        bases[k] = rng.gauss(1.4, 0.6)
        for y, year in enumerate(years):
            version_counter = 4 if rng.random() < 0.02 else 2  # reopened and resubmitted
            assessment_rows.append((k * 10 + y, k, year, version, "submitted", version_counter))

    def answer_rows():  # streamed: 10.5 M rows at 100k companies
        for k in range(1, companies + 1):
            for y in range(len(years)):
                for item in items:
                    cur = min(5, max(0, round(rng.gauss(bases[k] + 0.2 * y, LEVEL_SPREAD))))
                    yield (k * 10 + y, item.id, cur, min(5, cur + rng.randint(1, 3)))

    if engine.dialect.name == "postgresql":
        now = datetime.now(UTC)
        raw = engine.raw_connection()
        try:
            with raw.cursor() as cur:
                for table, columns, rows in (
                    (
                        "companies",
                        "id, name, prefecture_code, jsic_division, sme_sector, employees, capital_yen,"
                        " is_sole_proprietor, fiscal_year_start_month, created_at",
                        (r + (False, 4, now) for r in company_rows),
                    ),
                    (
                        "assessments",
                        "id, company_id, fiscal_year, index_version, status, version, created_at",
                        (r + (now,) for r in assessment_rows),
                    ),
                    (
                        "answers",
                        "assessment_id, item_id, current_level, target_level, evidence, action,"
                        " updated_at",
                        (r + ("", "", now) for r in answer_rows()),
                    ),
                ):
                    with cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                        for row in rows:
                            copy.write_row(row)
                cur.execute("SELECT setval('companies_id_seq', %s)", (companies + 1,))
                cur.execute("ANALYZE")
            raw.commit()
        finally:
            raw.close()
    else:
        with engine.begin() as conn:
            conn.exec_driver_sql(
                "INSERT INTO companies (id, name, prefecture_code, jsic_division, sme_sector, employees,"
                " capital_yen, is_sole_proprietor, fiscal_year_start_month, created_at)"
                " VALUES (?,?,?,?,?,?,?,0,4,CURRENT_TIMESTAMP)",
                company_rows,
            )
            conn.exec_driver_sql(
                "INSERT INTO assessments (id, company_id, fiscal_year, index_version, status, version,"
                " created_at) VALUES (?,?,?,?,?,?,CURRENT_TIMESTAMP)",
                assessment_rows,
            )
            conn.exec_driver_sql(
                "INSERT INTO answers (assessment_id, item_id, current_level, target_level, evidence,"
                " action, updated_at) VALUES (?,?,?,?,'','',CURRENT_TIMESTAMP)",
                answer_rows(),
            )


def _times(fn, repeat: int) -> tuple[float, float]:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    p95 = samples[min(len(samples) - 1, int(round(0.95 * (len(samples) - 1))))]
    return statistics.median(samples), p95


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--companies", type=int, default=10_000)
    parser.add_argument("--database", required=True)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    os.environ["DATABASE_URL"] = args.database

    from flask_migrate import upgrade
    from sqlalchemy import func, select

    from app import create_app
    from app.auth.users import create_user
    from app.extensions import db
    from app.models import Answer, Assessment
    from app.reports.releases import create_release
    from questionnaires import DEFAULT_VERSION, load_index

    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": args.database, "REPORT_EXPORT_LIMITS": "100000 per hour"}
    )
    index = load_index(DEFAULT_VERSION)
    years = (2023, 2024, 2025)
    with app.app_context():
        upgrade()
        start = time.perf_counter()
        generate(db, args.companies, years, DEFAULT_VERSION, index.items)
        print(
            f"generate {args.companies} companies x {len(years)} years: {time.perf_counter() - start:.1f} s"
        )
        for year in years:
            start = time.perf_counter()
            create_release(year, DEFAULT_VERSION)
            print(f"release {year}: {time.perf_counter() - start:.2f} s")
        password = "Bench-bureau-passphrase-2026"  # noqa: S105 - benchmark accounts
        for email, code in (
            ("national@bench.example", "national"),
            ("kanto@bench.example", "kanto"),
        ):
            create_user(email, password, role="bureau", bureau_code=code)
        db.session.commit()

        def live():
            query = (
                select(
                    Answer.item_id, func.avg(Answer.current_level), func.avg(Answer.target_level)
                )
                .join(Assessment, Assessment.id == Answer.assessment_id)
                .where(Assessment.fiscal_year == years[-1], Assessment.status == "submitted")
                .group_by(Answer.item_id)
            )
            db.session.execute(query).all()
            db.session.rollback()

        print(
            f"live aggregate (baseline)        p50 {_times(live, 5)[0]:8.1f} ms  p95 {_times(live, 5)[1]:8.1f} ms"
        )
    for email in ("national@bench.example", "kanto@bench.example"):
        client = app.test_client()
        page = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1)
        response = client.post(
            "/login", data={"email": email, "password": password, "csrf_token": token}
        )
        assert response.status_code in (302, 303), response.get_data(as_text=True)[-600:]
        for url in (
            "/bureau/reports",
            "/bureau/reports?industry=E",
            "/bureau/reports.csv",
            "/bureau/reports.xlsx",
        ):

            def get(client=client, url=url):
                r = client.get(url)
                assert r.status_code == 200, (url, r.status_code)
                r.get_data()

            p50, p95 = _times(get, args.repeat)
            print(f"{email.split('@')[0]:9} {url:32} p50 {p50:8.1f} ms  p95 {p95:8.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
