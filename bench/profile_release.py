"""Profile one bureau-report release build (`create_release`) with pyinstrument.

    .venv/bin/python -m bench.profile_release --database postgresql://postgres@127.0.0.1:5432/NAME \
        [--generate 10000] [--year 2025] [--html FILE]

With --generate the (empty) database is migrated and filled by bench/reports.py's generator
first. Prints wall, process CPU and PostgreSQL backend CPU time of the build and
pyinstrument's call tree.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", required=True)
    parser.add_argument("--generate", type=int, default=0, help="companies to generate first")
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument("--html")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    os.environ["DATABASE_URL"] = args.database

    from flask_migrate import upgrade
    from pyinstrument import Profiler

    from app import create_app
    from app.extensions import db
    from app.reports.releases import create_release
    from bench.reports import _backend_cpu, generate
    from questionnaires import DEFAULT_VERSION, load_index

    app = create_app({"SQLALCHEMY_DATABASE_URI": args.database})
    with app.app_context():
        upgrade()
        if args.generate:
            generate(
                db,
                args.generate,
                (2023, 2024, 2025),
                DEFAULT_VERSION,
                load_index(DEFAULT_VERSION).items,
            )
        create_release(args.year - 1, DEFAULT_VERSION)  # the panel's previous year
        profiler = Profiler()
        backend = _backend_cpu(db)
        start, cpu, db_cpu = time.perf_counter(), time.process_time(), backend()
        profiler.start()
        release = create_release(args.year, DEFAULT_VERSION)
        profiler.stop()
        print(
            f"release {release.id} ({release.companies} companies): "
            f"{time.perf_counter() - start:.2f} s wall, {time.process_time() - cpu:.2f} s CPU,"
            f" {backend() - db_cpu:.2f} s CPU of the PostgreSQL backend"
            f"  [load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}]"
        )
    if args.html:
        with open(args.html, "w") as handle:
            handle.write(profiler.output_html())
    else:
        print(profiler.output_text(unicode=True, color=False, show_all=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
