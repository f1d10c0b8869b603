# ruff: noqa: E501 - the command lines of the docstring read better unwrapped
"""Bureau report pages and exports under concurrent load, on a database that already holds a
national-scale data set and its releases (bench/reports.py or bench/profile_release.py
--generate made them): `gunicorn -w 2 -k sync` driven by wrk from 127.0.0.1, T measured in the
same rounds (bench/load.py's servers, wrk script and baselines).

    .venv/bin/python -m bench.reports_load --database postgresql://postgres@127.0.0.1:5432/NAME \
        [--seconds 10] [--rounds 3] [--connections 2,10]

Nothing of the data set is changed: the script adds a national and a 関東 bureau account (if
missing) and the baselines' own tables (bench_*). Each subject is requested with the account's
session cookie. wrk repeats one URL, so after its first request a worker answers from its report
cache: these are the pages as a bureau's staff reading the same release get them. With
--uncached the workers run with REPORT_CACHE_BYTES=0 (no report cache): every request reads the
release's stored cells and draws the page or export, the worst case of many bureaus asking
for different filters at once.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys

from bench.dataset import PASSWORD
from bench.load import ROOT, Server, login_cookie, run_wrk, server_environment, uptime

ACCOUNTS = {"national": "national-load@bench.example", "kanto": "kanto-load@bench.example"}


def prepare(database: str) -> int:
    """The accounts, the baselines' tables; returns the newest release's id."""
    from sqlalchemy import func, select

    from app import create_app
    from app.auth.users import create_user
    from app.extensions import db
    from app.models import ReportRelease, User
    from bench import baselines

    app = create_app({"SQLALCHEMY_DATABASE_URI": database})
    with app.app_context():
        for code, email in ACCOUNTS.items():
            if db.session.scalar(select(User.id).where(User.email == email)) is None:
                create_user(email, PASSWORD, role="bureau", bureau_code=code)
        db.session.commit()
        release = db.session.scalar(select(func.max(ReportRelease.id)))
    baselines.prepare()
    return release


def subjects(release: int) -> dict[str, tuple[str, str]]:
    """Subject -> (account, path)."""
    r = f"release={release}"
    return {
        "national page": ("national", f"/bureau/reports?{r}"),
        "national ?industry=E": ("national", f"/bureau/reports?{r}&industry=E"),
        "national ?prefecture=13": ("national", f"/bureau/reports?{r}&prefecture=13"),
        "national CSV": ("national", f"/bureau/reports.csv?{r}"),
        "national .xlsx": ("national", f"/bureau/reports.xlsx?{r}"),
        "関東 page": ("kanto", f"/bureau/reports?{r}"),
        "関東 ?industry=E": ("kanto", f"/bureau/reports?{r}&industry=E"),
        "関東 CSV": ("kanto", f"/bureau/reports.csv?{r}"),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", default="2,10")
    parser.add_argument("--uncached", action="store_true", help="no report cache in the workers")
    args = parser.parse_args(argv)
    workdir, url, env = server_environment("dx-reports-load-", args.database)
    if args.uncached:
        env["REPORT_CACHE_BYTES"] = "0"
    release = int(
        subprocess.run(  # noqa: S603 - this interpreter, this module
            [
                sys.executable,
                "-c",
                "import sys; from bench.reports_load import prepare; print(prepare(sys.argv[1]))",
                url,
            ],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.splitlines()[-1]
    )
    cache = "no report cache" if args.uncached else "report cache as configured"
    print(f"release {release}, {cache}; load before: {uptime()}")
    app = Server("wsgi:app", env, workdir, ROOT)
    t = Server("bench.baselines:t", env, workdir, ROOT)
    try:
        cookies = {
            code: login_cookie(app.base, email, PASSWORD, "/bureau/reports")
            for code, email in ACCOUNTS.items()
        }
        pages = subjects(release)
        results: dict[tuple[str, int], list[dict]] = {}
        for connections in [int(c) for c in args.connections.split(",")]:
            for _round in range(args.rounds):
                results.setdefault(("T", connections), []).append(
                    run_wrk(t.base, "/", "get", [0], "", [], connections, args.seconds)
                )
                for name, (account, path) in pages.items():
                    results.setdefault((name, connections), []).append(
                        run_wrk(
                            app.base,
                            path,
                            "get",
                            [0],
                            cookies[account],
                            [],
                            connections,
                            args.seconds,
                        )
                    )
        rss = app.worker_rss_mb()
    finally:
        app.stop()
        t.stop()
    print(f"load after: {uptime()}; app workers' RSS: {', '.join(f'{m:.0f} MB' for m in rss)}")
    print()
    print(
        "| subject | connections | req/s (median) | × T | p50 ms | p95 ms (median, worst round) | non-2xx |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    for (name, connections), runs in results.items():
        t_rps = statistics.median(r["rps"] for r in results[("T", connections)])
        rps = statistics.median(r["rps"] for r in runs)
        p95 = [r["p95_ms"] for r in runs]
        print(
            f"| {name} | {connections} | {rps:.1f} | {rps / t_rps:.2f} | "
            f"{statistics.median(r['p50_ms'] for r in runs):.1f} | "
            f"{statistics.median(p95):.1f} ({max(p95):.1f}) | "
            f"{sum(r['non_2xx_3xx'] for r in runs)} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
