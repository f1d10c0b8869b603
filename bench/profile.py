"""Profile one page of the app in-process with pyinstrument (a dev dependency).

    .venv/bin/python -m bench.profile results   # or: step-save, step, review, progress,
                                                #     dashboard, history, kpi, advisor-clients,
                                                #     advisor-clients-filtered, advisor-portfolio
    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1/h16_bench \
        .venv/bin/python -m bench.profile results

Runs the request 300 times after a warm-up and prints pyinstrument's call tree (wall time per
function, children sorted by time; the header gives the process's CPU time too); --html FILE
writes the interactive page instead. --cpu-only runs the same loop without the profiler and
prints the process CPU milliseconds per request: the profiler's own cost grows with the wall
time, so on a loaded machine its CPU figure drifts, this one much less.
"""

import argparse
import re
import sys
import tempfile
import time

from bench.dataset import EMAIL, PASSWORD, create_bench_app

STEP = "it-system"  # the largest step (9 items)

# The advisor's pages, on bench/portfolio.py's data (300 clients) as its advisor.
ADVISOR_PAGES = {
    "advisor-clients": "/advisor/clients",
    "advisor-clients-filtered": "/advisor/clients?behind=1&sort=current&dir=desc",
    "advisor-portfolio": "/advisor/portfolio",
}


def logged_in_client(app, email=EMAIL, password=PASSWORD):
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1)
    response = client.post(
        "/login", data={"email": email, "password": password, "csrf_token": token}
    )
    assert response.status_code == 302
    return client


def advisor_client():
    """A signed-in client of bench/portfolio.py's advisor with 300 clients (SQLite, or
    BENCH_DATABASE_URL), their summaries computed."""
    from bench.portfolio import ADVISOR_EMAIL, ADVISOR_PASSWORD, portfolio_app

    client = logged_in_client(
        portfolio_app(tempfile.mkdtemp(), 300), ADVISOR_EMAIL, ADVISOR_PASSWORD
    )
    assert client.get("/advisor/clients").status_code == 200  # computes the summaries
    return client


def step_form(html: str, index, level: int) -> dict:
    """The step's form as the page gives it: its own CSRF token and version."""
    from app.assessments.forms import field_name

    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    version = re.search(r'name="version" value="(\d+)"', html).group(1)
    data = {"csrf_token": token, "version": version, "nav": "next"}
    for item_id in index.step(STEP).item_ids:
        data[field_name(item_id, "current")] = str(level)
        data[field_name(item_id, "target")] = "4"
        data[field_name(item_id, "evidence")] = "更新した根拠"
        data[field_name(item_id, "action")] = ""
    return data


def main(argv=None):
    import os

    from questionnaires import load_index

    parser = argparse.ArgumentParser()
    parser.add_argument(
        "page",
        choices=[
            "results",
            "step",
            "review",
            "progress",
            "dashboard",
            "history",
            "kpi",
            "step-save",
            *ADVISOR_PAGES,
        ],
    )
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--html")
    parser.add_argument("--cpu-only", action="store_true")
    parser.add_argument(
        "--all-frames", action="store_true", help="show library frames too (pyinstrument)"
    )
    parser.add_argument(
        "--statements",
        action="store_true",
        help="print the SQL statements of one request (after the warm-up) instead",
    )
    args = parser.parse_args(argv)
    if args.page in ADVISOR_PAGES:
        return run(advisor_client(), ADVISOR_PAGES[args.page], args)
    url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{tempfile.mkdtemp()}/p.sqlite3"
    app, ids = create_bench_app(url)
    client = logged_in_client(app)
    index = load_index("2019-07")
    step_url = f"/assessments/{ids['draft']}/steps/{STEP}"
    pages = {
        "results": f"/assessments/{ids['submitted']}/results",
        "step": step_url,
        "review": f"/assessments/{ids['draft']}/review",
        "progress": f"/companies/{ids['company']}/progress",
        "dashboard": f"/companies/{ids['company']}",
        "history": f"/companies/{ids['company']}/history",
        "kpi": f"/kpis/{ids['indicator']}",
    }
    if args.page == "step-save":
        html = client.get(step_url).get_data(as_text=True)
        level = [3]

        def one():
            nonlocal html
            level[0] = 5 - level[0]  # alternate 2 and 3: every save changes the rows
            response = client.post(step_url, data=step_form(html, index, level[0]))
            assert response.status_code == 302, response.status_code
            html = client.get(step_url).get_data(as_text=True)  # (profiled too: the next token)
    else:
        return run(client, pages[args.page], args)
    return profile(one, args)


def run(client, url: str, args) -> int:
    def one():
        assert client.get(url).status_code == 200

    return profile(one, args)


def print_statements(one) -> int:
    """The statements one request runs (step-save: its POST, then the GET of the next
    token), as the driver receives them, with BEGIN/COMMIT/ROLLBACK."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    seen = []

    def statement(conn, cursor, text, parameters, context, executemany):
        many = f"  [executemany x{len(parameters)}]" if executemany else ""
        seen.append(" ".join(text.split()) + many)

    def begin(conn):
        seen.append("BEGIN (implicit)")

    def commit(conn):
        seen.append("COMMIT")

    def rollback(conn):
        seen.append("ROLLBACK")

    engine = Engine  # every engine (the app's one)
    listeners = {
        "before_cursor_execute": statement,
        "begin": begin,
        "commit": commit,
        "rollback": rollback,
    }
    for name, fn in listeners.items():
        event.listen(engine, name, fn)
    try:
        one()
    finally:
        for name, fn in listeners.items():
            event.remove(engine, name, fn)
    for number, text in enumerate(seen, 1):
        print(f"{number:2d}. {text}")
    return 0


def profile(one, args) -> int:
    from pyinstrument import Profiler

    for _ in range(30):
        one()
    if args.statements:
        return print_statements(one)
    if args.cpu_only:
        start = time.process_time()
        for _ in range(args.requests):
            one()
        spent = time.process_time() - start
        print(f"{args.page}: {spent * 1000 / args.requests:.1f} ms CPU per request")
        return 0
    profiler = Profiler(interval=0.0005)
    profiler.start()
    for _ in range(args.requests):
        one()
    profiler.stop()
    if args.html:
        with open(args.html, "w") as f:
            f.write(profiler.output_html())
    else:
        print(profiler.output_text(unicode=True, color=False, show_all=args.all_frames))
    return 0


if __name__ == "__main__":
    sys.exit(main())
