"""The step save's POST against the bare-save anchor's POST, in one process, interleaved.

    .venv/bin/python -m bench.save_cpu                 # SQLite (a new file), 300 of each
    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/h16_bench \
        .venv/bin/python -m bench.save_cpu 200

Each round posts one step save (bench.profile's 9-item step, levels alternating so rows
change, the token and version from the page, as a browser) and one anchor save
(bench.baselines.bare_save, 35 rows); only the POSTs are timed. Prints the median CPU
(time.thread_time) and wall time per POST of each and bare / step (>= 1.0: the step save
costs no more than the anchor). The GETs that fetch the next tokens are not timed.
"""

import os
import re
import statistics
import sys
import tempfile
import time

from bench.dataset import create_bench_app
from bench.profile import STEP, logged_in_client, step_form


def main(argv=None) -> int:
    args = sys.argv[1:] if argv is None else argv
    rounds = int(args[0]) if args else 300
    url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{tempfile.mkdtemp()}/s.sqlite3"
    os.environ["BENCH_DATABASE_URL"] = url
    from bench import baselines
    from questionnaires import load_index

    app, ids = create_bench_app(url)
    baselines.prepare()
    bare = baselines.bare_save.test_client()
    client = logged_in_client(app)
    index = load_index("2019-07")
    step_url = f"/assessments/{ids['draft']}/steps/{STEP}"
    state = {"html": client.get(step_url).get_data(as_text=True), "level": 3}

    def timed(post, *args, **kwargs):
        cpu, wall = time.thread_time(), time.perf_counter()
        response = post(*args, **kwargs)
        return response, time.thread_time() - cpu, time.perf_counter() - wall

    def step_save():
        state["level"] = 5 - state["level"]  # 2 and 3 in turn: every save changes the rows
        data = step_form(state["html"], index, state["level"])
        response, cpu, wall = timed(client.post, step_url, data=data)
        assert response.status_code == 302, response.status_code
        state["html"] = client.get(step_url).get_data(as_text=True)
        return cpu, wall

    def bare_save():
        token = re.search(r'value="([^"]+)"', bare.get("/save").get_data(as_text=True)).group(1)
        data = {"csrf_token": token, "slot": "1"}
        for i in range(1, baselines.ROWS + 1):
            data.update({f"c{i}": str(state["level"]), f"t{i}": "4", f"e{i}": "根拠"})
        response, cpu, wall = timed(bare.post, "/save", data=data)
        assert response.status_code == 302, response.status_code
        return cpu, wall

    for _ in range(30):
        step_save(), bare_save()
    steps, bares = [], []
    for _ in range(rounds):
        steps.append(step_save())
        bares.append(bare_save())

    def ms(rows, k):
        return statistics.median(r[k] for r in rows) * 1000

    print(
        f"step save POST: {ms(steps, 0):.2f} ms CPU, {ms(steps, 1):.2f} ms wall; "
        f"bare save POST: {ms(bares, 0):.2f} ms CPU, {ms(bares, 1):.2f} ms wall; "
        f"bare / step: {ms(bares, 0) / ms(steps, 0):.2f} by CPU, "
        f"{ms(bares, 1) / ms(steps, 1):.2f} by wall time"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
