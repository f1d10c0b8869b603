# ruff: noqa: S608 - the generator SQL is built from constants
"""Cost of the quantitative indicator cells (app/reports/kpi_figures.py) in a release build.

    .venv/bin/python -m bench.report_kpis --companies 5000 --database postgresql://postgres@127.0.0.1:5432/NAME

On an empty database: bench.reports' generator (three fiscal years, 35 items), then indicators
for ``--share`` of the companies (one to three each: a catalogue example drawn from the first
eight or an own one, baseline three years back, one actual of last year for most). Then
``--rounds`` interleaved rounds of one release of the last year with the builders as shipped
(panel + indicators) and one with the panel builder only: wall time of ``create_release``.
With --add-only: only the indicators, added to the data already there, and nothing timed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

from bench.reports import _load, delete_releases, generate


def add_indicators(db, share: float, examples: list[str], fiscal_year: int) -> int:
    """Indicators by SQL for a random ``share`` of the companies."""
    choices = "ARRAY[" + ",".join(f"'{e}'" for e in examples) + ",NULL]"
    db.session.execute(
        db.text(
            f"""INSERT INTO kpi_indicators (company_id, example_id, example_version, name,
                definition, value_type, unit, direction, baseline_year, baseline_value,
                target_year, target_value, cycle, created_at)
            SELECT c.id, ({choices})[1 + floor(random() * {len(examples) + 1})::int],
                NULL, 'bench ' || c.id || '-' || n, 'bench', 'count', '件', 'higher',
                {fiscal_year - 3}, 10, {fiscal_year}, 40, 1, now()
            FROM companies c, generate_series(1, 1 + floor(random() * 3)::int) AS n
            WHERE random() < {share}"""
        )
    )
    db.session.execute(
        db.text(
            f"""INSERT INTO kpi_values (indicator_id, fiscal_year, value, entered_at)
            SELECT id, {fiscal_year - 1}, 10 + floor(random() * 35), now()
            FROM kpi_indicators WHERE random() < 0.8"""
        )
    )
    db.session.commit()
    return db.session.scalar(db.text("SELECT count(*) FROM kpi_indicators"))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--companies", type=int, default=5000)
    parser.add_argument("--database", required=True)
    parser.add_argument("--share", type=float, default=0.4)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--reuse", action="store_true", help="keep the generated data")
    parser.add_argument(
        "--add-only",
        action="store_true",
        help="only add indicators to the data already there (e.g. for bench.profile_release)",
    )
    args = parser.parse_args(argv)
    os.environ["DATABASE_URL"] = args.database

    from flask_migrate import upgrade

    from app import create_app
    from app.companies.fiscal import fiscal_year_of, today_jst
    from app.extensions import db
    from app.reports import builders, kpi_figures, panel
    from app.reports.releases import create_release
    from questionnaires import DEFAULT_VERSION, load_index

    app = create_app({"SQLALCHEMY_DATABASE_URI": args.database})
    index = load_index(DEFAULT_VERSION)
    years = (2023, 2024, 2025)
    print(_load())
    with app.app_context():
        upgrade()
        if args.add_only:
            examples = [e.id for e in index.kpi_examples[:8]]
            fy = fiscal_year_of(today_jst(), 4)
            print(f"{add_indicators(db, args.share, examples, fy)} indicators")
            return 0
        if not args.reuse:
            start = time.perf_counter()
            generate(db, args.companies, years, DEFAULT_VERSION, index.items)
            examples = [e.id for e in index.kpi_examples[:8]]
            fy = fiscal_year_of(today_jst(), 4)
            count = add_indicators(db, args.share, examples, fy)
            print(f"generate {args.companies} companies, {count} indicators: "
                  f"{time.perf_counter() - start:.1f} s")  # fmt: skip
        delete_releases(db)
        create_release(years[1], DEFAULT_VERSION)  # the previous year (the panel's)
        shipped = builders.BUILDERS
        times: dict[str, list[float]] = {"panel + indicators": [], "panel only": []}
        for _ in range(args.rounds):
            for label, chosen in (
                ("panel + indicators", shipped),
                ("panel only", (panel.build,)),
            ):
                builders.BUILDERS = chosen
                start = time.perf_counter()
                create_release(years[2], DEFAULT_VERSION)
                times[label].append(time.perf_counter() - start)
        builders.BUILDERS = shipped
        assert kpi_figures.build in shipped
        base = statistics.median(times["panel only"])
        for label, samples in times.items():
            median = statistics.median(samples)
            print(
                f"release {years[2]} {label}: median {median:.2f} s "
                f"({', '.join(f'{s:.2f}' for s in samples)}), ratio {median / base:.2f}"
            )
    print(_load())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
