"""CPU per bureau report request, cached and uncached (app/reports/cache.py), with pyinstrument.

    .venv/bin/python -m bench.profile_report --database postgresql://postgres@127.0.0.1:5432/NAME \
        [--url /bureau/reports] [--requests 20]

Uses the national account bench/reports.py creates (run that first). Prints wall and process CPU
per request for both, then pyinstrument's tree of the uncached requests.
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import sys
import time


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", required=True)
    parser.add_argument("--url", default="/bureau/reports")
    parser.add_argument("--requests", type=int, default=20)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    os.environ["DATABASE_URL"] = args.database
    from pyinstrument import Profiler

    from app import create_app
    from app.reports.cache import report_cache

    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": args.database, "REPORT_EXPORT_LIMITS": "100000 per hour"}
    )
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1)
    client.post(
        "/login",
        data={
            "email": "national@bench.example",
            "password": "Bench-bureau-passphrase-2026",
            "csrf_token": token,
        },
    )
    assert client.get(args.url).status_code == 200

    def run(clear: bool, profiler=None):
        wall, cpu = time.perf_counter(), time.process_time()
        for _ in range(args.requests):
            if clear:
                with app.app_context():
                    report_cache().clear()
            if profiler:
                profiler.start()
            client.get(args.url).get_data()
            if profiler:
                profiler.stop()
        n = args.requests
        return (time.perf_counter() - wall) * 1000 / n, (time.process_time() - cpu) * 1000 / n

    profiler = Profiler()
    uncached = run(True, profiler)
    cached = run(False)
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"{args.url}: per request, wall / CPU of this process  [load average {load}]")
    print(f"  uncached: {uncached[0]:8.1f} ms / {uncached[1]:8.1f} ms")
    print(f"  cached:   {cached[0]:8.1f} ms / {cached[1]:8.1f} ms")
    print(profiler.output_text(unicode=True, color=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
