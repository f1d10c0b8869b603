"""Profile one bureau-report release build (`create_release`) with pyinstrument.

    .venv/bin/python -m bench.profile_release --database postgresql://postgres@127.0.0.1:5432/NAME \
        [--generate 10000] [--year 2025] [--html FILE] [--statements] [--no-profile] \
        [--rebuilds N] [--tracemalloc [--top 25]]

With --generate the (empty) database is migrated and filled by bench/reports.py's generator
first. Prints wall, process CPU and PostgreSQL backend CPU time of the build and
pyinstrument's call tree (not with --no-profile: then the CPU figures carry no sampling cost).
--statements: also a table of the build's SQL statements (grouped by the app function that ran
them and the statement's start), each with its calls, wall time and backend CPU.

Memory (Linux): every timed build prints the process's resident memory when it starts and its
peak during the build (the kernel's high-water mark VmHWM, reset before the build through
/proc/self/clear_refs), and at the end the peak over the whole process (getrusage ru_maxrss,
the untimed previous-year build included). --tracemalloc: also the peak of Python's traced heap
during each timed build and, with --top N, the N largest allocation sites of a snapshot taken
near that peak (a thread snapshots whenever the traced heap grew by 5 % over the last
snapshot); tracemalloc slows the build several times, so its CPU figures are not comparable.
--rebuilds N: then N more builds of the year, each after 1 % of its assessments were
resubmitted and 0.5 % of the companies moved prefecture (chosen by company id: the same on every
copy of the data), and, if the data has quantitative indicators (bench/report_kpis.py
--add-only), some of them changed; each compares with the builds before it.

The backend CPU is that of the session's own backend process: PostgreSQL's parallel workers are
not in it. Run with PGOPTIONS="-c max_parallel_workers_per_gather=0" for a figure that holds
all of the database's work (and compare runs made the same way).
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import resource
import sys
import threading
import time
import tracemalloc


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", required=True)
    parser.add_argument("--generate", type=int, default=0, help="companies to generate first")
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument("--html")
    parser.add_argument("--statements", action="store_true", help="time every SQL statement")
    parser.add_argument("--no-profile", action="store_true", help="no pyinstrument")
    parser.add_argument(
        "--rebuilds", type=int, default=0, help="then rebuilds after resubmits and moves"
    )
    parser.add_argument(
        "--stale-sums",
        action="store_true",
        help="leave the resubmissions' stored sums stale, for the build to recompute (as before"
        " 2026-12-05 07:40: the timed rebuilds then include work submit does in production)",
    )
    parser.add_argument("--tracemalloc", action="store_true", help="Python heap peak per build")
    parser.add_argument("--top", type=int, default=0, help="allocation sites near the peak")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    os.environ["DATABASE_URL"] = args.database

    from flask_migrate import upgrade
    from pyinstrument import Profiler

    from app import create_app
    from app.extensions import db
    from app.reports.part_sums import refresh_stored
    from app.reports.releases import create_release
    from bench.reports import _backend_cpu, generate
    from questionnaires import DEFAULT_VERSION, load_index

    # The pool hands out the connection returned last: the build commits once before its long
    # transaction (the stored sums) and goes on with the same connection, whose backend's CPU
    # is the one read (with the default FIFO order it may get another one).
    engine = {"pool_pre_ping": True, "pool_use_lifo": True}
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": args.database, "SQLALCHEMY_ENGINE_OPTIONS": engine}
    )
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
        print(f"RSS before any build: {_status_mb('VmRSS'):.0f} MB")
        create_release(args.year - 1, DEFAULT_VERSION)  # the panel's previous year
        profiler = None if args.no_profile else Profiler()
        backend = _backend_cpu(db)
        statements = _StatementTimes(db.engine, backend) if args.statements else None
        for rebuild in range(args.rebuilds + 1):
            label = "first of the year"
            if rebuild:
                label = "rebuilt after {} resubmissions and {} moves".format(
                    *_change(db, args.year, rebuild)
                )
                if not args.stale_sums:
                    # what each resubmission's own submit did (app/report_sums_hook.py): its
                    # stored sums are current before the build, which then writes nothing
                    refresh_stored(args.year, DEFAULT_VERSION, load_index(DEFAULT_VERSION))
                    db.session.commit()
            backend = _backend_cpu(db)  # the transaction create_release then runs in
            if statements:
                statements.backend = backend
            memory = _Memory(args.tracemalloc, args.top)
            start, cpu, db_cpu = time.perf_counter(), time.process_time(), backend()
            if profiler:
                profiler.start()
            release = create_release(args.year, DEFAULT_VERSION)
            if profiler:
                profiler.stop()
            print(
                f"release {release.id} ({release.companies} companies, {label}): "
                f"{time.perf_counter() - start:.2f} s wall, {time.process_time() - cpu:.2f} s CPU,"
                f" {backend() - db_cpu:.2f} s CPU of the PostgreSQL backend"
                f"  [load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}]"
            )
            memory.report()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of the process (ru_maxrss, every build): {peak:.0f} MB")
    if statements:
        statements.close()
        statements.report()
    if profiler and args.html:
        with open(args.html, "w") as handle:
            handle.write(profiler.output_html())
    elif profiler:
        print(profiler.output_text(unicode=True, color=False, show_all=False))
    return 0


def _change(db, year: int, n: int) -> tuple[int, int]:
    """Before rebuild ``n``: reopen-and-resubmit 1 % of the year's submitted assessments (the
    version counter moves) and move 0.5 % of the companies to the next prefecture, chosen by
    company id so that every copy of the data gets the same changes (another 1 % and 0.5 % for
    each ``n``)."""
    from sqlalchemy import text

    with db.engine.begin() as conn:
        resubmitted = conn.execute(
            text(
                "UPDATE assessments SET version = version + 2 WHERE fiscal_year = :year"
                " AND status = 'submitted' AND mod(company_id, 100) = :n"
            ),
            {"year": year, "n": 6 + n},
        ).rowcount
        moved = conn.execute(
            text(
                "UPDATE companies SET prefecture_code ="
                " lpad((mod(prefecture_code::int, 47) + 1)::text, 2, '0')"
                " WHERE mod(id, 200) = :n"
            ),
            {"n": 2 + n},
        ).rowcount
        _change_indicators(conn, n)
    return resubmitted, moved


def _change_indicators(conn, n: int) -> None:
    """Quantitative indicators (if the data has any, as bench/report_kpis.py adds them): a
    status change for 1 % of the companies' indicators (their actual moves by 17 within
    10..44), 0.5 % archived, and a new indicator of the next catalogue example for 0.5 % of the
    companies, chosen by company id like the rest."""
    from sqlalchemy import text

    conn.execute(
        text(
            "UPDATE kpi_values v SET value = 10 + mod(v.value::int - 10 + 17, 35)"
            " FROM kpi_indicators i WHERE i.id = v.indicator_id AND mod(i.company_id, 100) = :n"
        ),
        {"n": 30 + n},
    )
    conn.execute(
        text("UPDATE kpi_indicators SET archived_at = now() WHERE mod(company_id, 200) = :n"),
        {"n": 60 + n},
    )
    conn.execute(
        text(
            "INSERT INTO kpi_indicators (company_id, example_id, example_version, name,"
            " definition, value_type, unit, direction, baseline_year, baseline_value,"
            " target_year, target_value, cycle, created_at)"
            " SELECT i.company_id, e.next, NULL, i.name || ' +', i.definition, i.value_type,"
            " i.unit, i.direction, i.baseline_year, i.baseline_value, i.target_year,"
            " i.target_value, i.cycle, now()"
            " FROM kpi_indicators i CROSS JOIN LATERAL (SELECT CASE WHEN i.example_id IS NULL"
            " THEN 'QD-01' ELSE NULL END AS next) e"
            " WHERE mod(i.company_id, 200) = :n AND i.archived_at IS NULL"
        ),
        {"n": 90 + n},
    )


def _status_mb(field: str) -> float:
    with open("/proc/self/status") as status:
        return int(re.search(rf"{field}:\s+(\d+)", status.read()).group(1)) / 1024


class _Memory:
    """Resident memory at the start of a build and its peak during it; optionally the traced
    Python heap's peak and the largest allocation sites near it."""

    def __init__(self, traced: bool, top: int):
        with open("/proc/self/clear_refs", "w") as handle:
            handle.write("5")  # reset the peak resident set size (VmHWM) to the current one
        self.start = _status_mb("VmRSS")
        self.traced, self.top, self.snapshot, self.done = traced, top, None, threading.Event()
        if traced:
            tracemalloc.start(30 if top else 1)  # deep enough to reach the app's frame
            if top:
                self.thread = threading.Thread(target=self._watch, daemon=True)
                self.thread.start()

    def _watch(self):
        taken = 0
        while not self.done.wait(0.5):
            current = tracemalloc.get_traced_memory()[0]
            if current > taken * 1.05:
                self.snapshot, taken = tracemalloc.take_snapshot(), current

    def report(self):
        peak = _status_mb("VmHWM")
        line = f"  RSS at start {self.start:.0f} MB, peak during the build {peak:.0f} MB"
        if self.traced:
            self.done.set()
            if self.top:
                self.thread.join()
            line += f", traced Python heap peak {tracemalloc.get_traced_memory()[1] / 2**20:.0f} MB"
            snapshot = self.snapshot
            tracemalloc.stop()
        print(line)
        if self.traced and self.top and snapshot is not None:
            total = sum(s.size for s in snapshot.statistics("filename"))
            print(f"  largest holders, snapshot of {total / 2**20:.0f} MB traced (by app line):")
            sizes: dict[str, list] = {}
            for trace in snapshot.traces:
                where = _app_frame(trace.traceback)
                held = sizes.setdefault(where, [0, 0])
                held[0] += trace.size
                held[1] += 1
            for where, (size, count) in sorted(sizes.items(), key=lambda kv: -kv[1][0])[: self.top]:
                print(f"    {size / 2**20:8.1f} MB {count:9d} blocks  {where}")


class _StatementTimes:
    """Wall time and backend CPU of every statement run through ``engine``, summed per (app
    function that ran it, the statement's first words)."""

    def __init__(self, engine, backend):
        from sqlalchemy import event

        self.engine, self.backend, self.started, self.totals = engine, backend, [], {}
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)
        # COPY (app/reports/bulk.py) runs on the driver's cursor, which the events do not see
        from app.reports import bulk

        self._copy = bulk._copy

        def timed_copy(table, columns, rows):
            self._before(None, None, None, None, None, False)
            try:
                return self._copy(table, columns, rows)
            finally:
                self._record("bulk._copy", f"COPY {table.name} FROM STDIN")

        bulk._copy = timed_copy

    def close(self):
        from sqlalchemy import event

        from app.reports import bulk

        bulk._copy = self._copy
        event.remove(self.engine, "before_cursor_execute", self._before)
        event.remove(self.engine, "after_cursor_execute", self._after)

    def _before(self, conn, cursor, statement, parameters, context, executemany):
        self.started.append((time.perf_counter(), self.backend()))

    def _after(self, conn, cursor, statement, parameters, context, executemany):
        self._record(_caller(), " ".join(statement.split())[:70])

    def _record(self, where: str, statement: str) -> None:
        wall, cpu = self.started.pop()
        total = self.totals.setdefault((where, statement), [0, 0.0, 0.0])
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


def _app_frame(traceback) -> str:
    """The innermost frame of app/ in an allocation's traceback (file:line), else the
    innermost frame."""
    for frame in reversed(traceback):  # oldest first: the innermost app frame
        name = frame.filename
        if f"{os.sep}app{os.sep}" in name and f"{os.sep}.venv{os.sep}" not in name:
            return f"app/{name.split(f'{os.sep}app{os.sep}', 1)[1]}:{frame.lineno}"
    frame = traceback[-1]
    return f"{frame.filename.split(os.sep + 'work' + os.sep)[-1]}:{frame.lineno}"


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
