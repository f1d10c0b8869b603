"""Same-process A/B of the signed-in request's session write (issue 16): the activity time
recorded (and the cookie re-signed and sent) on every request, as before, against at most once a
minute (app/auth/session.py mark_active), on one page with the app's own test client.

    .venv/bin/python -m bench.session_cookie step --blocks 40 --block 25

Alternates blocks of requests between the two settings in one process, so that the machine's
load drifts alike for both, and prints the median process-CPU milliseconds per request of each
and their ratio.
"""

import argparse
import contextlib
import statistics
import sys
import tempfile
import time
from unittest import mock

from bench.dataset import create_bench_app
from bench.profile import STEP, logged_in_client


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("page", choices=["step", "dashboard", "kpi", "review"])
    parser.add_argument("--blocks", type=int, default=40)
    parser.add_argument("--block", type=int, default=25)
    args = parser.parse_args(argv)
    app, ids = create_bench_app(f"sqlite:///{tempfile.mkdtemp()}/s.sqlite3")
    client = logged_in_client(app)
    url = {
        "step": f"/assessments/{ids['draft']}/steps/{STEP}",
        "dashboard": f"/companies/{ids['company']}",
        "kpi": f"/kpis/{ids['indicator']}",
        "review": f"/assessments/{ids['draft']}/review",
    }[args.page]

    def block(every_request: bool) -> float:
        app.config["SESSION_REFRESH_EACH_REQUEST"] = every_request
        resolution = mock.patch("app.auth.session.activity_resolution", return_value=0)
        with resolution if every_request else contextlib.nullcontext():
            start = time.process_time()
            for _ in range(args.block):
                response = client.get(url)
                assert response.status_code == 200
                assert ("Set-Cookie" in response.headers) == every_request
            return (time.process_time() - start) * 1000 / args.block

    for _ in range(30):  # warm-up (the first page also adds the session's CSRF token)
        client.get(url)
    before, after = [], []
    for _ in range(args.blocks):
        before.append(block(True))
        after.append(block(False))
    b, a = statistics.median(before), statistics.median(after)
    print(
        f"{args.page}: every request {b:.2f} ms CPU, once a minute {a:.2f} ms CPU, "
        f"saved {b - a:.2f} ms ({(b - a) / b:.1%}); {args.blocks} x {args.block} requests each"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
