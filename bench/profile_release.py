"""Profile one bureau-report release build (`create_release`) with pyinstrument.

    .venv/bin/python -m bench.profile_release --database postgresql://postgres@127.0.0.1:5432/NAME \
        [--generate 10000] [--year 2025] [--html FILE] [--statements] [--no-profile]

With --generate the (empty) database is migrated and filled by bench/reports.py's generator
first. Prints wall, process CPU and PostgreSQL backend CPU time of the build and
pyinstrument's call tree (not with --no-profile: then the CPU figures carry no sampling cost).
--statements: also a table of the build's SQL statements (grouped by the app function that ran
them and the statement's start), each with its calls, wall time and backend CPU.

The backend CPU is that of the session's own backend process: PostgreSQL's parallel workers are
not in it. Run with PGOPTIONS="-c max_parallel_workers_per_gather=0" for a figure that holds
all of the database's work (and compare runs made the same way).
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
    parser.add_argument("--statements", action="store_true", help="time every SQL statement")
    parser.add_argument("--no-profile", action="store_true", help="no pyinstrument")
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
        profiler = None if args.no_profile else Profiler()
        backend = _backend_cpu(db)
        statements = _StatementTimes(db.engine, backend) if args.statements else None
        start, cpu, db_cpu = time.perf_counter(), time.process_time(), backend()
        if profiler:
            profiler.start()
        release = create_release(args.year, DEFAULT_VERSION)
        if profiler:
            profiler.stop()
        print(
            f"release {release.id} ({release.companies} companies): "
            f"{time.perf_counter() - start:.2f} s wall, {time.process_time() - cpu:.2f} s CPU,"
            f" {backend() - db_cpu:.2f} s CPU of the PostgreSQL backend"
            f"  [load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}]"
        )
    if statements:
        statements.close()
        statements.report()
    if profiler and args.html:
        with open(args.html, "w") as handle:
            handle.write(profiler.output_html())
    elif profiler:
        print(profiler.output_text(unicode=True, color=False, show_all=False))
    return 0


class _StatementTimes:
    """Wall time and backend CPU of every statement run through ``engine``, summed per (app
    function that ran it, the statement's first words)."""

    def __init__(self, engine, backend):
        from sqlalchemy import event

        self.engine, self.backend, self.started, self.totals = engine, backend, [], {}
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def close(self):
        from sqlalchemy import event

        event.remove(self.engine, "before_cursor_execute", self._before)
        event.remove(self.engine, "after_cursor_execute", self._after)

    def _before(self, conn, cursor, statement, parameters, context, executemany):
        self.started.append((time.perf_counter(), self.backend()))

    def _after(self, conn, cursor, statement, parameters, context, executemany):
        wall, cpu = self.started.pop()
        key = (_caller(), " ".join(statement.split())[:70])
        total = self.totals.setdefault(key, [0, 0.0, 0.0])
        total[0] += 1
        total[1] += time.perf_counter() - wall
        total[2] += self.backend() - cpu

    def report(self):
        rows = sorted(self.totals.items(), key=lambda kv: -kv[1][1])
        wall = sum(t[1] for _k, t in rows)
        cpu = sum(t[2] for _k, t in rows)
        print(
            f"\nSQL statements: {sum(t[0] for _k, t in rows)} run, {wall:.2f} s wall,"
            f" {cpu:.2f} s backend CPU"
        )
        print("| where (app function) | statement | calls | wall s | backend CPU s |")
        print("|---|---|---:|---:|---:|")
        for (where, text), (calls, w, c) in rows:
            if w < 0.01:
                continue
            print(f"| {where} | `{text}` | {calls} | {w:.2f} | {c:.2f} |")


def _caller() -> str:
    """The innermost frame of app/ that ran the statement (module:function)."""
    frame = sys._getframe(2)
    while frame is not None:
        name = frame.f_code.co_filename
        if f"{os.sep}app{os.sep}" in name and f"{os.sep}.venv{os.sep}" not in name:
            return f"{os.path.basename(name)[:-3]}.{frame.f_code.co_name}"
        frame = frame.f_back
    return "?"


if __name__ == "__main__":
    sys.exit(main())
