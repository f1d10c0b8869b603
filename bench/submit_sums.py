"""What storing a submission's sums of levels (app/reports/submission_sums.py) adds to submit.

    .venv/bin/python -m bench.submit_sums [--database URL] [--rounds 7] [--submits 50]

One company's FY2026 draft (bench/dataset.py, every step saved) is submitted and reopened over
and over through the services (the reopen is not timed). Rounds alternate between submit as
shipped and submit with the sums' hook replaced by a no-op, so both run on the same data and
the same noise. Prints per-submit medians of each round, and the median difference in ms per
submit. Default database: a new SQLite file under /tmp.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--submits", type=int, default=50)
    args = parser.parse_args(argv)
    database = args.database or "sqlite:///" + os.path.join(tempfile.mkdtemp(), "submit.db")

    from app.assessments import services
    from app.extensions import db
    from app.models import Assessment, User
    from bench.dataset import EMAIL, create_bench_app

    app, ids = create_bench_app(database)
    shipped = services.note_submitted
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.email == EMAIL))
        assessment = db.session.get(Assessment, ids["draft"])

        def one_submit() -> float:
            start = time.perf_counter()
            assert services.submit(assessment, assessment.version, user)
            took = time.perf_counter() - start
            db.session.refresh(assessment)
            assert services.reopen(assessment, assessment.version, user)
            db.session.refresh(assessment)
            return took

        for _ in range(10):  # warm up both paths
            one_submit()
        medians: dict[str, list[float]] = {"shipped": [], "without the hook": []}
        for _round in range(args.rounds):
            for name, hook in (("shipped", shipped), ("without the hook", lambda *a: None)):
                services.note_submitted = hook
                try:
                    times = [one_submit() for _ in range(args.submits)]
                finally:
                    services.note_submitted = shipped
                medians[name].append(statistics.median(times) * 1000)
    for name, values in medians.items():
        print(
            f"{name}: per-submit medians of {args.rounds} rounds (ms): "
            + ", ".join(f"{v:.2f}" for v in values)
        )
    with_hook = statistics.median(medians["shipped"])
    without = statistics.median(medians["without the hook"])
    print(
        f"median: {with_hook:.2f} ms with the sums, {without:.2f} ms without; "
        f"+{with_hook - without:.2f} ms per submit ({with_hook / without:.3f}x)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
