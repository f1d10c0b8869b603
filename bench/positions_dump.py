# ruff: noqa: E501 - the command lines of the docstring read better unwrapped
"""Dump every member's peer-benchmark positions, as stored (releases built with one row per
member and group) or as the reader looks them up (releases built with ranks), to compare two
builds of the same data.

    .venv/bin/python -m bench.positions_dump --database URL --out FILE --stored   # benchmark_positions rows
    .venv/bin/python -m bench.positions_dump --database URL --out FILE            # benchmarks._positions per member
    .venv/bin/python -m bench.release_dump --compare BEFORE AFTER

One line per (release, company, group): the percentiles as JSON with sorted keys. --stored reads
the table with plain SQL, so it works on a database of the code before the ranks. Without it,
every member of every release is asked for all of its peer groups that have a stored benchmark
cell, through the reader's own function (withheld positions are left out, as they were deleted
before).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from types import SimpleNamespace


def _line(release_id, company_id, key, percentiles) -> str:
    return f"{release_id}\t{company_id}\t{key}\t{json.dumps(percentiles, sort_keys=True)}\n"


def dump(database: str, out: str, stored: bool) -> int:
    os.environ["DATABASE_URL"] = database
    from sqlalchemy import select, text

    from app import create_app
    from app.extensions import db
    from app.models import BenchmarkCell, ReleaseMember, ReportRelease
    from app.reports import benchmarks
    from questionnaires import load_index

    app = create_app({"SQLALCHEMY_DATABASE_URI": database})
    lines = []
    with app.app_context():
        if stored:
            query = "SELECT release_id, company_id, cell_key, percentiles FROM benchmark_positions"
            for rid, cid, key, percentiles in db.session.execute(text(query)):
                if isinstance(percentiles, str):
                    percentiles = json.loads(percentiles)
                lines.append(_line(rid, cid, key, percentiles))
        else:
            for release in db.session.scalars(select(ReportRelease).order_by(ReportRelease.id)):
                measure_list = benchmarks.measures(load_index(release.index_version))
                cells = {
                    (c.release_id, c.cell_key): c
                    for c in db.session.scalars(
                        select(BenchmarkCell).where(BenchmarkCell.release_id == release.id)
                    )
                }
                members = db.session.scalars(
                    select(ReleaseMember).where(ReleaseMember.release_id == release.id)
                ).all()
                for m in members:
                    peers = benchmarks.peer_cells(m.bureau_code, m.jsic_division, m.size_class)
                    wanted = [(release.id, k) for k in peers.values() if (release.id, k) in cells]
                    who = SimpleNamespace(company_id=m.company_id, id=m.assessment_id)
                    found = benchmarks._positions(who, m, wanted, cells, measure_list)
                    for (rid, key), percentiles in found.items():
                        lines.append(_line(rid, m.company_id, key, percentiles))
                db.session.expunge_all()
    lines.sort()
    with open(out, "w", encoding="utf-8") as handle:
        handle.writelines(lines)
    print(f"{len(lines)} positions to {out}")
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--stored", action="store_true", help="read benchmark_positions rows")
    args = parser.parse_args(argv)
    return dump(args.database, args.out, args.stored)


if __name__ == "__main__":
    sys.exit(main())
