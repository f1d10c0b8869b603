# ruff: noqa: E501 - the command lines of the docstring read better unwrapped
"""Dump every stored bureau-report release row in a canonical order, and compare two dumps.

    .venv/bin/python -m bench.release_dump --database postgresql://postgres@127.0.0.1:5432/NAME --out FILE
    .venv/bin/python -m bench.release_dump --compare BEFORE AFTER

For checking that a change to the release build stores the very same figures: build the same
releases on two copies of one database (``CREATE DATABASE b TEMPLATE a``), one with the code
before and one after, dump both and compare. Tables: every table of the release
(``report_release*``) and of the peer benchmarks (``benchmark_*``); their timestamp columns are
left out (when the build ran); every other column is written, JSON with sorted keys and floats
by ``repr`` (exact), one line per row, the lines sorted. ``--compare`` prints the rows of each
dump and the rows found in one and not the other (0 and 0 when the two builds stored the same).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter

PREFIXES = ("report_release", "benchmark_")


def _canonical(value):
    if isinstance(value, float | int | str | bool) or value is None:
        return value
    if isinstance(value, dict | list):
        return json.loads(json.dumps(value, sort_keys=True))
    return str(value)


def dump(database: str, out: str) -> int:
    os.environ["DATABASE_URL"] = database
    from sqlalchemy import DateTime, select

    from app import create_app
    from app.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": database})
    lines = []
    with app.app_context():
        for name, table in sorted(db.metadata.tables.items()):
            if not name.startswith(PREFIXES):
                continue
            columns = [c for c in table.c if not isinstance(c.type, DateTime)]
            names = [c.name for c in columns]
            for row in db.session.execute(select(*columns)):
                values = dict(zip(names, (_canonical(v) for v in row), strict=True))
                lines.append(name + "\t" + json.dumps(values, sort_keys=True, ensure_ascii=False))
    lines.sort()
    with open(out, "w", encoding="utf-8") as handle:
        handle.writelines(line + "\n" for line in lines)
    tables = Counter(line.split("\t", 1)[0] for line in lines)
    print(
        f"{len(lines)} rows to {out}: " + ", ".join(f"{t} {n}" for t, n in sorted(tables.items()))
    )
    return 0


def compare(before: str, after: str) -> int:
    with open(before, encoding="utf-8") as a, open(after, encoding="utf-8") as b:
        rows_a, rows_b = Counter(a), Counter(b)
    only_a, only_b = rows_a - rows_b, rows_b - rows_a
    print(
        f"{sum(rows_a.values())} rows in {before}, {sum(rows_b.values())} in {after}; "
        f"differing: {sum(only_a.values())} only in the first, {sum(only_b.values())} only in "
        "the second"
    )
    for line in list(only_a)[:5]:
        print("-", line.rstrip()[:300])
    for line in list(only_b)[:5]:
        print("+", line.rstrip()[:300])
    return 1 if only_a or only_b else 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database")
    parser.add_argument("--out")
    parser.add_argument("--compare", nargs=2, metavar=("BEFORE", "AFTER"))
    args = parser.parse_args(argv)
    if args.compare:
        return compare(*args.compare)
    if not (args.database and args.out):
        parser.error("--database and --out, or --compare")
    return dump(args.database, args.out)


if __name__ == "__main__":
    sys.exit(main())
