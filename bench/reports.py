# ruff: noqa: E501, S608 - SQL reads better unwrapped; the generator SQL is built from constants
"""Bureau report benchmark: a data generator and timings of release, pages and exports.

    .venv/bin/python -m bench.reports --companies 100000 --database postgresql://postgres@127.0.0.1:5432/NAME

The database must be empty (it is migrated here). Generates ``companies`` companies in all 47
prefectures, every JSIC division and size class, each with submitted assessments for three
fiscal years x 35 items (levels drawn around an average that rises by year, as IPA reports;
targets 1-3 levels above), 2 % of them reopened and resubmitted (version counter 4). Then:

- ``release``: `flask reports release` for each year (wall time);
- pages: the national and a bureau report, unfiltered and filtered, CSV and .xlsx (p50/p95 over
  ``--repeat`` requests through the Flask test client, signed in);
- each page and export also "(uncached)": the rendered-report cache (app/reports/cache.py)
  cleared before the request, so the release's cells are read and rendered again;
- ``--pages-only``: keep the stored releases, time the pages only;
- ``live``: the live aggregate the old report ran per request (GROUP BY over the answer rows of
  one year), measured in the same run as the baseline the release replaces.
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import resource
import statistics
import sys
import time
import tracemalloc

LEVEL_SPREAD = 1.1
# Rough shares of companies by prefecture (the big economic centres weigh more); every other
# prefecture shares the rest evenly, so all 47 appear at every size.
PREFECTURE_WEIGHTS = {
    "13": 15,
    "27": 8,
    "23": 6,
    "14": 5,
    "11": 3,
    "12": 3,
    "40": 3,
    "28": 3,
    "01": 3,
}
# (employees, capital in yen) per size class for manufacturing_and_other; None = not registered.
SIZES = ((5, 10**6), (60, 5 * 10**7), (800, 10**10), (None, None))
SIZE_WEIGHTS = (30, 55, 10, 5)


def _weighted_array(values_weights) -> str:
    """A SQL text[] in which each value appears as often as its weight (pick: a random index)."""
    return "ARRAY[" + ",".join(f"'{v}'" for v, w in values_weights for _ in range(w)) + "]::text[]"


def generate(db, companies: int, years: tuple[int, ...], version: str, items) -> None:
    """Fill an empty PostgreSQL database in SQL (INSERT ... SELECT generate_series; seeded):

    - companies in all 47 prefectures (weighted), every JSIC division (weighted towards
      manufacturing, retail, services), the four size classes;
    - a company's first fiscal year: 80 % the first of ``years``, 10 % each later one; it then
      submits every year (so the later releases have first and repeat submitters);
    - levels: a company average ~ N(1.4, 0.6) rising 0.2 a year, each item ~ N(average, 1.1)
      rounded into 0..5; targets 1-3 above (at most 5); 2 % of assessments reopened and
      resubmitted (version counter 4 instead of 2).
    """
    from questionnaires import reference

    if db.engine.dialect.name != "postgresql":
        raise SystemExit("the generator writes PostgreSQL SQL (generate_series, random())")
    prefectures = list(reference.prefectures())
    rest = [p for p in prefectures if p not in PREFECTURE_WEIGHTS]
    pref_weights = [(p, PREFECTURE_WEIGHTS.get(p, 0)) for p in PREFECTURE_WEIGHTS] + [
        (p, 1) for p in rest
    ]
    industries = list(reference.jsic_divisions())
    heavy = {"E": 6, "I": 5, "D": 4, "R": 3, "G": 2, "L": 2, "P": 2, "M": 2}
    ind_weights = [(i, heavy.get(i, 1)) for i in industries]
    size_index = (
        "ARRAY[" + ",".join(str(k + 1) for k, w in enumerate(SIZE_WEIGHTS) for _ in range(w)) + "]"
    )
    employees = "ARRAY[" + ",".join("NULL" if e is None else str(e) for e, _ in SIZES) + "]::int[]"
    capital = "ARRAY[" + ",".join("NULL" if c is None else str(c) for _, c in SIZES) + "]::bigint[]"
    item_ids = "ARRAY[" + ",".join(f"'{i.id}'" for i in items) + "]::text[]"
    normal = "sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random())"  # Box-Muller
    y0 = years[0]
    statements = [
        "SELECT setseed(0.13)",
        f"""CREATE TEMP TABLE bench_pick AS SELECT k,
              floor(random() * cardinality({_weighted_array(pref_weights)}))::int + 1 AS p,
              floor(random() * cardinality({_weighted_array(ind_weights)}))::int + 1 AS i,
              ({size_index})[floor(random() * {sum(SIZE_WEIGHTS)})::int + 1] AS s,
              CASE WHEN random() < 0.8 THEN 0 WHEN random() < 0.5 THEN 1 ELSE 2 END AS first_year,
              1.4 + 0.6 * {normal} AS base
            FROM generate_series(1, {companies}) AS k""",
        f"""INSERT INTO companies (id, name, prefecture_code, jsic_division, sme_sector,
              employees, capital_yen, is_sole_proprietor, fiscal_year_start_month, created_at)
            SELECT k, 'bench' || k, ({_weighted_array(pref_weights)})[p],
              ({_weighted_array(ind_weights)})[i], 'manufacturing_and_other',
              ({employees})[s], ({capital})[s], false, 4, now()
            FROM bench_pick""",
        f"""INSERT INTO assessments (id, company_id, fiscal_year, index_version, status, version,
              created_at, submitted_at)
            SELECT k * 10 + y, k, {y0} + y, '{version}', 'submitted',
              CASE WHEN random() < 0.02 THEN 4 ELSE 2 END, now(), now()
            FROM bench_pick, generate_series(0, {len(years) - 1}) AS y
            WHERE y >= first_year""",
        # Bulk load as pg_restore does: no per-row foreign-key triggers (the rows are consistent
        # by construction), the two indexes built once afterwards.
        "SET LOCAL session_replication_role = replica",
        "ALTER TABLE answers DROP CONSTRAINT uq_answers_assessment_id_item_id",
        "ALTER TABLE answers DROP CONSTRAINT pk_answers",
        f"""INSERT INTO answers (assessment_id, item_id, current_level, target_level, evidence,
              action, updated_at)
            SELECT id, item, lv, least(5, lv + 1 + floor(random() * 3)::int), '', '', now()
            FROM (
              -- The level is drawn in the select list, once per answer row: a LATERAL
              -- subquery that does not name the item was evaluated once per assessment,
              -- so every company gave one level to all 35 items.
              SELECT a.id, item, least(5, greatest(0, round(
                b.base + 0.2 * (a.fiscal_year - {y0}) + {LEVEL_SPREAD} * {normal})))::int AS lv
              FROM assessments a JOIN bench_pick b ON b.k = a.company_id
              CROSS JOIN unnest({item_ids}) AS item
            ) drawn""",
        "ALTER TABLE answers ADD CONSTRAINT pk_answers PRIMARY KEY (id)",
        "ALTER TABLE answers ADD CONSTRAINT uq_answers_assessment_id_item_id"
        " UNIQUE (assessment_id, item_id)",
        "SET LOCAL session_replication_role = DEFAULT",
        f"SELECT setval('companies_id_seq', {companies + 1})",
        "SELECT setval('assessments_id_seq', (SELECT max(id) + 1 FROM assessments))",
        "DROP TABLE bench_pick",
    ]
    with db.engine.begin() as conn:
        for sql in statements:
            conn.exec_driver_sql(sql)
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE")


def delete_releases(db) -> None:
    """Delete every report release and what it stored, to build again from none. The bulk rows
    (members, panel members, benchmark ranks) have no foreign key since migration 9e4b7d2c1a60,
    so no cascade deletes them with their release: they go first, by name."""
    from app.models import BenchmarkRank, ReleaseMember, ReleasePanelMember, ReportRelease

    for model in (ReleaseMember, ReleasePanelMember, BenchmarkRank, ReportRelease):
        db.session.execute(model.__table__.delete())
    db.session.commit()


def _percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def _load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def _peak_memory(fn) -> float:
    """Peak Python heap (MB) allocated while ``fn`` runs (tracemalloc)."""
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def _backend_cpu(db):
    """A function giving the CPU seconds used so far by the PostgreSQL backend serving the
    session's current transaction (read from /proc: the server runs on this machine), so a
    release step reports the database's work apart from the time it waited for a core."""
    from sqlalchemy import text

    pid = db.session.execute(text("SELECT pg_backend_pid()")).scalar()

    def used() -> float:
        try:
            with open(f"/proc/{pid}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            return float("nan")
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    return used


def _timed_release(db, year: int, label: str) -> None:
    """One create_release with its wall time, this process's CPU and the database's CPU."""
    from app.reports.releases import create_release
    from questionnaires import DEFAULT_VERSION

    backend = _backend_cpu(db)  # the transaction create_release then runs in
    start, cpu, db_cpu = time.perf_counter(), time.process_time(), backend()
    release = create_release(year, DEFAULT_VERSION)
    print(
        f"release {year} {label}: {time.perf_counter() - start:.2f} s wall,"
        f" {time.process_time() - cpu:.2f} s CPU of this process,"
        f" {backend() - db_cpu:.2f} s CPU of the PostgreSQL backend,"
        f" {release.companies} companies  [{_load()}]"
    )


def _rss_now() -> float:
    """The process's resident memory now (MB), from /proc (Linux)."""
    with open("/proc/self/status") as status:
        return int(re.search(r"VmRSS:\s+(\d+)", status.read()).group(1)) / 1024


def _resubmit(db, year: int, share: float) -> int:
    """Reopen-and-resubmit a share of the year's assessments (their version counter moves), as
    between two releases of one year."""
    with db.engine.begin() as conn:
        return conn.exec_driver_sql(
            "UPDATE assessments SET version = version + 2"
            f" WHERE fiscal_year = {year} AND random() < {share}"
        ).rowcount


def _rebuild(db, year: int) -> None:
    """A second release of ``year`` after 1 % of its assessments were resubmitted."""
    changed = _resubmit(db, year, 0.01)
    _timed_release(db, year, f"rebuilt after {changed} resubmissions (compared with the earlier)")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--companies", type=int, default=100_000)
    parser.add_argument("--database", required=True)
    parser.add_argument(
        "--reuse", action="store_true", help="keep the generated data (no new data)"
    )
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds")
    parser.add_argument("--repeat", type=int, default=4, help="requests per subject per round")
    parser.add_argument("--check", action="store_true", help="also time `flask reports check`")
    parser.add_argument(
        "--releases-only", action="store_true", help="time the release builds, not the pages"
    )
    parser.add_argument(
        "--pages-only",
        action="store_true",
        help="keep the stored releases (implies --reuse); time the pages and exports only",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    os.environ["DATABASE_URL"] = args.database

    from flask_migrate import upgrade
    from sqlalchemy import func, select

    from app import create_app
    from app.auth.users import create_user
    from app.extensions import db
    from app.models import Answer, Assessment, Company, ReportRelease, User
    from app.reports.cache import report_cache
    from app.reports.releases import check_release
    from questionnaires import DEFAULT_VERSION, load_index

    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": args.database, "REPORT_EXPORT_LIMITS": "100000 per hour"}
    )
    index = load_index(DEFAULT_VERSION)
    years = (2023, 2024, 2025)
    password = "Bench-bureau-passphrase-2026"  # noqa: S105 - benchmark accounts
    print(_load())
    with app.app_context():
        upgrade()
        if not (args.reuse or args.pages_only):
            start = time.perf_counter()
            generate(db, args.companies, years, DEFAULT_VERSION, index.items)
            print(f"generate {args.companies} companies: {time.perf_counter() - start:.1f} s")
        answers = db.session.scalar(select(func.count()).select_from(Answer))
        companies = db.session.scalar(select(func.count()).select_from(Company))
        print(f"data: {companies} companies, {answers} answer rows")
        if not args.pages_only:
            delete_releases(db)
        # the page's year and the year before (its 前年度 table)
        for year in () if args.pages_only else years[1:]:
            _timed_release(db, year, "(first of the year)")
        if not args.pages_only:
            _rebuild(db, years[-1])
        if args.check:
            latest = db.session.scalar(select(func.max(ReportRelease.id)))
            start = time.perf_counter()
            compared, moved, differences = check_release(latest)
            print(
                f"check_release {latest}: {time.perf_counter() - start:.2f} s, {compared} cells"
                f" equal the live query, {moved} changed, {len(differences)} differ"
            )
        if args.releases_only:
            return 0
        for email, code in (
            ("national@bench.example", "national"),
            ("kanto@bench.example", "kanto"),
        ):
            if db.session.scalar(select(User.id).where(User.email == email)) is None:
                create_user(email, password, role="bureau", bureau_code=code)
        db.session.commit()

    def live():
        """The live aggregate the old report page ran per request (the baseline)."""
        with app.app_context():
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

    subjects = {"live aggregate (baseline)": live}
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
            "/bureau/reports?prefecture=13",
            "/bureau/reports.csv",
            "/bureau/reports.xlsx",
        ):

            def get(client=client, url=url):
                r = client.get(url)
                assert r.status_code == 200, (url, r.status_code)
                r.get_data()

            def uncached(get=get):
                with app.app_context():
                    report_cache().clear()
                get()

            subjects[f"{email.split('@')[0]:9} {url}"] = get
            subjects[f"{email.split('@')[0]:9} {url} (uncached)"] = uncached
    samples = {name: [] for name in subjects}
    for _ in range(args.rounds):  # interleaved, so a burst of load hits every subject alike
        for name, fn in subjects.items():
            samples[name] += [_timed(fn) for _ in range(args.repeat)]
    base = statistics.median(samples["live aggregate (baseline)"])
    print(f"\n{'subject':56} {'p50 ms':>8} {'p95 ms':>8} {'p50 / live':>10}  [{_load()}]")
    for name, values in samples.items():
        p50 = statistics.median(values)
        print(f"{name:56} {p50:8.1f} {_percentile(values, 0.95):8.1f} {p50 / base:10.3f}")
    print("\nexports, peak Python heap during one request (tracemalloc), process RSS after it:")
    for name, fn in subjects.items():
        if ".csv" in name or ".xlsx" in name:
            print(f"{name:56} {_peak_memory(fn):6.1f} MB heap  {_rss_now():6.0f} MB RSS")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"process peak RSS over the whole run (releases included): {rss:.0f} MB  [{_load()}]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
