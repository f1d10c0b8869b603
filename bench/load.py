"""Load test from outside: the app and three baselines under `gunicorn -w 2 -k sync`, driven by
wrk (Debian: `apt-get install -y wrk`) on 127.0.0.1, rounds interleaved, medians, ratios.

    .venv/bin/python -m bench.load                                   # SQLite (a new file)
    .venv/bin/python -m bench.load --database-url postgresql://postgres@127.0.0.1/h16_bench
    .venv/bin/python -m bench.load --seconds 10 --rounds 3 --before-dir /tmp/old-checkout
    .venv/bin/python -m bench.load --only "step save"     # the baselines and the step save only

Subjects, each round in this order (so a burst of load elsewhere on the machine hits a whole
round): hello, T, bare save, then the app's pages and the step save. Every subject runs
`wrk -t C -c C -d S` with bench/wrk/session.lua (one connection per wrk thread).

- GET pages send the logged-in session cookie; rps and p95 (wrk) are compared with T's.
- Saves (the app's step save and the bare-save anchor of bench/baselines.py) alternate a GET of
  the form page, from which they take the CSRF token and the step's version, with a POST of new
  values; each connection saves its own assessment (or row set), so versions never conflict.
  A save counts only when its POST answered 302. They are compared by POSTs per second and by
  the median time the worker spent on a POST (gunicorn's access log, %(D)s), anchor / step.
- After the rounds: the app workers' resident memory, and the machine's load (uptime) before
  and after.

The database is the app's own (SQLite file or PostgreSQL database, emptied and refilled: use a
database of its own, never one with data). --app-dir runs the app from another checkout with
this checkout's baselines; --before-dir also starts the app of another checkout (same schema)
on the same database and measures each of its pages right after this checkout's, in the same
rounds: before/after ratios from one run, under one machine load.
"""

import argparse
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LUA = ROOT / "bench" / "wrk" / "session.lua"
STEP = "it-system"  # 9 items, the largest step
LOG_FORMAT = "%(m)s %(s)s %(D)s"
BASELINES = ("hello", "T (1 query + 35-row form)", "bare save (35-row upsert)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()  # noqa: S607


class Server:
    def __init__(self, target, env, workdir: Path, chdir: Path, extra_args=()):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = workdir / f"access-{target.replace(':', '-')}.log"
        self.process = subprocess.Popen(  # noqa: S603
            [
                *(sys.executable, "-m", "gunicorn", "-w", "2", "-k", "sync"),
                *("--chdir", str(chdir), "-b", f"127.0.0.1:{self.port}"),
                *("--access-logfile", str(self.log), "--access-logformat", LOG_FORMAT),
                *extra_args,
                target,
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=open(workdir / f"error-{target.replace(':', '-')}.log", "w"),  # noqa: SIM115
            start_new_session=True,
        )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.base + "/", timeout=5).close()  # noqa: S310
                return
            except urllib.error.HTTPError:
                return  # up (a 302/404 is an answer)
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.3)
        raise SystemExit(f"{target} did not start")

    def log_size(self) -> int:
        return self.log.stat().st_size if self.log.exists() else 0

    def log_lines_since(self, offset: int) -> list[str]:
        with open(self.log) as f:
            f.seek(offset)
            return f.read().splitlines()

    def worker_rss_mb(self) -> list[float]:
        children = subprocess.run(  # noqa: S603
            ["pgrep", "-P", str(self.process.pid)],
            capture_output=True,
            text=True,  # noqa: S607
        ).stdout.split()
        sizes = []
        for pid in children:
            status = Path(f"/proc/{pid}/status").read_text()
            sizes.append(int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024)
        return sizes

    def worker_memory_mb(self) -> list[dict]:
        """Each worker's RSS, PSS (shared pages split between the processes that map them) and
        USS (pages only this worker has: what stopping it would free), from smaps_rollup."""
        children = subprocess.run(  # noqa: S603
            ["pgrep", "-P", str(self.process.pid)],  # noqa: S607
            capture_output=True,
            text=True,
        ).stdout.split()
        return [smaps_rollup_mb(int(pid)) for pid in children]

    def stop(self):
        os.killpg(self.process.pid, 15)
        self.process.wait(timeout=30)


def smaps_rollup_mb(pid: int) -> dict:
    fields = dict(
        re.findall(r"^(\w+):\s+(\d+) kB", Path(f"/proc/{pid}/smaps_rollup").read_text(), re.M)
    )
    kb = {k: int(v) for k, v in fields.items()}
    return {
        "rss": kb["Rss"] / 1024,
        "pss": kb["Pss"] / 1024,
        "uss": (kb["Private_Clean"] + kb["Private_Dirty"]) / 1024,
    }


def login_cookie(base, email, password, warm_path) -> str:
    import http.cookiejar

    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    html = opener.open(base + "/login").read().decode()
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html).group(1)
    data = urllib.parse.urlencode({"email": email, "password": password, "csrf_token": token})
    opener.open(base + "/login", data.encode()).read()
    opener.open(base + warm_path).read()  # the session now holds its CSRF secret
    return "; ".join(f"{c.name}={c.value}" for c in jar)


def run_wrk(base, path, mode, ids, cookie, items, connections, seconds) -> dict:
    out = subprocess.run(  # noqa: S603
        [
            *("wrk", "-t", str(connections), "-c", str(connections), "-d", f"{int(seconds)}s"),
            *("--timeout", "10s", "-s", str(LUA), base, "--"),
            *(mode, path, ",".join(map(str, ids)), cookie, ",".join(items)),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: (.*)", out)
    return {
        "rps": rps,
        "p95_ms": int(re.search(r"P95_US (\d+)", out).group(1)) / 1000,
        "p50_ms": int(re.search(r"P50_US (\d+)", out).group(1)) / 1000,
        "non_2xx_3xx": int(bad.group(1)) if bad else 0,
        "socket_errors": socket_errors.group(1) if socket_errors else "",
    }


def post_stats(lines: list[str], seconds: float) -> dict:
    posts = [line.split() for line in lines if line.startswith("POST ")]
    ok = [int(p[2]) / 1000 for p in posts if p[1] == "302"]
    return {
        "posts_ok_per_s": len(ok) / seconds,
        "post_failures": len(posts) - len(ok),
        "post_median_ms": statistics.median(ok) if ok else None,
        "post_p95_ms": statistics.quantiles(ok, n=20)[18] if len(ok) >= 20 else None,
    }


def prepare(database_url: str, connections: int, clients: int = 0) -> dict:
    """Fill the database (app tables and the baselines' tables) in a child process of the app
    checkout being measured, so its models create its schema; with ``clients``, an advisor with
    that many clients (bench/portfolio.py's data)."""
    from bench import baselines
    from bench.dataset import create_bench_app, extra_drafts

    app, ids = create_bench_app(database_url)
    with app.app_context():
        ids["drafts"] = extra_drafts(connections)
        if clients:
            from app.advisors.summaries import rebuild_all
            from bench.portfolio import add_portfolio

            add_portfolio(clients)
            rebuild_all()  # here, not in a worker (whose memory is measured after the runs)
        ids.update(prepare_bureau())
    baselines.prepare()
    return ids


def prepare_bureau() -> dict:
    """The bureau report's data: a small release and a national account (bench/dataset.py)."""
    from bench.dataset import bureau_release

    return bureau_release()


def bureau_pages(server, ids) -> tuple[dict, str]:
    """The bureau report page and its CSV (issue 13 / 16) as subjects, with the national
    account's session cookie they are requested with."""
    from bench.dataset import BUREAU_EMAIL, PASSWORD

    release = ids["release"]
    cookie = login_cookie(server.base, BUREAU_EMAIL, PASSWORD, "/bureau/reports")
    pages = {
        "bureau report GET (national)": (server, f"/bureau/reports?release={release}", "get", [0]),
        "bureau report CSV": (server, f"/bureau/reports.csv?release={release}", "get", [0]),
    }
    return pages, cookie


def server_environment(prefix: str, database_url: str | None) -> tuple[Path, str, dict]:
    """A work directory, the database URL (a fresh SQLite file there unless one is given) and
    the environment the gunicorn workers and this process share (same secret: one login works
    in every worker)."""
    workdir = Path(tempfile.mkdtemp(prefix=prefix))
    url = database_url or f"sqlite:///{workdir}/bench.sqlite3"
    env = {
        **os.environ,
        "APP_ENV": "test",
        "DATABASE_URL": url,
        "BENCH_DATABASE_URL": url,
        "SECRET_KEY": "bench-only-secret-shared-by-all-workers",
        "MAIL_BACKEND": "log",
        "REPORT_EXPORT_LIMITS": "10000000 per hour",  # the bureau CSV is requested in a loop
        "PYTHONPATH": str(ROOT),
    }
    env.pop("REDIS_URL", None)
    os.environ.update({k: env[k] for k in ("BENCH_DATABASE_URL", "SECRET_KEY", "APP_ENV")})
    return workdir, url, env


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url")
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=10)
    parser.add_argument("--app-dir", type=Path, default=ROOT)
    parser.add_argument("--before-dir", type=Path)
    parser.add_argument("--json", type=Path)
    parser.add_argument(
        "--advisor-clients", type=int, default=300, help="the advisor list's clients (0: none)"
    )
    parser.add_argument(
        "--only",
        help="comma-separated words: measure only the pages whose name contains one "
        "(e.g. results,progress; hello and T always run, the bare save only with the step save)",
    )
    args = parser.parse_args(argv)
    workdir, url, env = server_environment("dx-load-", args.database_url)
    ids = json.loads(
        subprocess.run(  # noqa: S603
            [
                *(sys.executable, "-c"),
                "import json, sys; sys.path[:0] = [sys.argv[1], sys.argv[2]]; "
                "from bench.load import prepare; "
                "print(json.dumps(prepare(sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))))",
                *(str(args.app_dir), str(ROOT), url, str(args.connections)),
                str(args.advisor_clients),
            ],
            env={**env, "PYTHONPATH": ""},
            capture_output=True,
            text=True,
            check=True,
        ).stdout.splitlines()[-1]
    )
    load_before = uptime()
    app_server = Server("wsgi:app", env, workdir, args.app_dir)
    servers = {
        "hello": Server("bench.baselines:hello", env, workdir, ROOT),
        "T": Server("bench.baselines:t", env, workdir, ROOT),
        "bare": Server("bench.baselines:bare_save", env, workdir, ROOT),
    }
    from bench.dataset import EMAIL, PASSWORD
    from questionnaires import load_index

    items = list(load_index("2019-07").step(STEP).item_ids)
    draft, submitted, company = ids["draft"], ids["submitted"], ids["company"]
    cookie = login_cookie(app_server.base, EMAIL, PASSWORD, f"/assessments/{draft}/steps/{STEP}")
    a = app_server
    pages = {
        "step GET (9 items)": (a, f"/assessments/{draft}/steps/{STEP}", "get", [0]),
        "review GET (35 answers)": (a, f"/assessments/{draft}/review", "get", [0]),
        "results GET": (a, f"/assessments/{submitted}/results", "get", [0]),
        "dashboard GET": (a, f"/companies/{company}", "get", [0]),
        "progress GET": (a, f"/companies/{company}/progress", "get", [0]),
        "history GET": (a, f"/companies/{company}/history", "get", [0]),
        "KPI detail GET": (a, f"/kpis/{ids['indicator']}", "get", [0]),
        "step save (9 items)": (a, f"/assessments/{{id}}/steps/{STEP}", "step-save", ids["drafts"]),
    }
    # Subjects signed in as another account than the company owner; the rest use `cookie`.
    cookies: dict[str, str] = {}
    if args.advisor_clients:
        from bench.portfolio import ADVISOR_EMAIL, ADVISOR_PASSWORD

        # Signed in as the advisor; its first GET computes the clients' summaries.
        advisor = login_cookie(a.base, ADVISOR_EMAIL, ADVISOR_PASSWORD, "/advisor/clients")
        name = f"advisor clients ({args.advisor_clients}) GET"
        pages[name] = (a, "/advisor/clients", "get", [0])
        cookies[name] = advisor
    try:
        bureau, bureau_cookie = bureau_pages(a, ids)
    except BaseException:
        # the servers are up and the rounds' `finally` is not reached: stop them here
        for server in (a, *servers.values()):
            server.stop()
        raise
    pages.update(bureau)
    cookies.update(dict.fromkeys(bureau, bureau_cookie))
    if args.only:
        words = [w.strip().lower() for w in args.only.split(",") if w.strip()]
        pages = {name: v for name, v in pages.items() if any(w in name.lower() for w in words)}
    if args.before_dir:
        (workdir / "before").mkdir()
        before = Server("wsgi:app", env, workdir / "before", args.before_dir)
        servers["before"] = before
        paired = {}
        for name, (_, path, mode, subject_ids) in pages.items():
            paired[name] = pages[name]
            paired[name + " [before]"] = (before, path, mode, subject_ids)
        pages = paired
    subjects = {
        "hello": (servers["hello"], "/", "get", [0]),
        "T (1 query + 35-row form)": (servers["T"], "/", "get", [0]),
        "bare save (35-row upsert)": (servers["bare"], "/save", "bare-save", list(range(64))),
        **pages,
    }
    if not any(mode == "step-save" for _, _, mode, _ in pages.values()):
        del subjects["bare save (35-row upsert)"]  # its only use is the step save's anchor
    results = {name: [] for name in subjects}
    try:
        for _ in range(args.rounds):
            for name, (server, path, mode, subject_ids) in subjects.items():
                offset = server.log_size()
                signed_in = mode != "bare-save" and name not in BASELINES
                row = run_wrk(
                    server.base,
                    path,
                    mode,
                    subject_ids,
                    cookies.get(name.removesuffix(" [before]"), cookie) if signed_in else "",
                    items,
                    args.connections,
                    args.seconds,
                )
                if mode != "get":
                    time.sleep(0.5)  # the access log is written after the response
                    row.update(post_stats(server.log_lines_since(offset), args.seconds))
                results[name].append(row)
        memory = a.worker_rss_mb()
    finally:
        for server in (a, *servers.values()):
            server.stop()
    load_after = uptime()
    report(results, memory, load_before, load_after, url, args)
    print(f"server logs: {log_problems(workdir)}")
    if args.json:
        args.json.write_text(
            json.dumps({"rounds": results, "memory_mb": memory, "load": [load_before, load_after]})
        )
    return 0


def med(rows, key):
    values = [r[key] for r in rows if r.get(key) is not None]
    return statistics.median(values) if values else None


def fmt(value, places=2) -> str:
    return "—" if value is None else f"{value:.{places}f}"


def log_problems(workdir: Path) -> dict:
    """5xx answers in the access logs and "database is locked" anywhere in the server logs."""
    server_errors = locked = 0
    for log in workdir.rglob("*.log"):
        text = log.read_text(errors="replace")
        locked += text.count("database is locked")
        if log.name.startswith("access-"):
            server_errors += sum(
                1 for line in text.splitlines() if line.split()[1:2] and line.split()[1] >= "500"
            )
    return {"5xx": server_errors, "database is locked": locked}


def report(results, memory, load_before, load_after, url, args):
    t = results["T (1 query + 35-row form)"]
    t_rps, t_p95 = med(t, "rps"), med(t, "p95_ms")
    bare = results.get("bare save (35-row upsert)", [])
    print(
        f"database: {url.split('://')[0]}  rounds: {args.rounds} x {args.seconds:g} s  "
        f"wrk -t{args.connections} -c{args.connections}"
    )
    print(f"load before: {load_before}\nload after:  {load_after}")
    print("| subject | req/s | × T rps | p95 ms | p95 × T | errors |")
    print("|---|---|---|---|---|---|")
    for name, rows in results.items():
        errors = sum(r["non_2xx_3xx"] + r.get("post_failures", 0) for r in rows)
        sock = {r["socket_errors"] for r in rows if r["socket_errors"]}
        print(
            f"| {name} | {med(rows, 'rps'):.1f} | {med(rows, 'rps') / t_rps:.2f} | "
            f"{med(rows, 'p95_ms'):.1f} | {med(rows, 'p95_ms') / t_p95:.2f} | {errors}"
            f"{' ' + '; '.join(sock) if sock else ''} |"
        )
    step = results.get("step save (9 items)")
    saves = [(n, results[n]) for n in results if n.startswith(("bare save", "step save"))]
    if step is None:  # left out with --only
        print(f"app worker memory after the runs: {', '.join(f'{m:.0f} MB' for m in memory)}")
        return
    print("\n| save | POSTs ok/s | median POST ms (worker) | p95 POST ms | failed POSTs |")
    print("|---|---|---|---|---|")
    for name, rows in saves:
        print(
            f"| {name} | {fmt(med(rows, 'posts_ok_per_s'), 1)} | "
            f"{fmt(med(rows, 'post_median_ms'))} | {fmt(med(rows, 'post_p95_ms'))} | "
            f"{sum(r.get('post_failures', 0) for r in rows)} |"
        )
    if med(step, "posts_ok_per_s") and med(bare, "post_median_ms") and med(step, "post_median_ms"):
        print(
            f"\nstep save vs bare save: "
            f"{med(step, 'posts_ok_per_s') / med(bare, 'posts_ok_per_s'):.2f} × POSTs/s; "
            f"{med(bare, 'post_median_ms') / med(step, 'post_median_ms'):.2f} × by "
            "median worker time per POST (bare / step; >= 1.0 is the goal)"
        )
    else:
        print("\nstep save: no POST answered within the run (too short for the connections?)")
    if "step save (9 items) [before]" in results:
        old = results["step save (9 items) [before]"]
        print(
            f"before: {med(old, 'posts_ok_per_s') / med(bare, 'posts_ok_per_s'):.2f} × POSTs/s; "
            f"{med(bare, 'post_median_ms') / med(old, 'post_median_ms'):.2f} × by worker time"
        )
    print(f"app worker memory after the runs: {', '.join(f'{m:.0f} MB' for m in memory)}")


if __name__ == "__main__":
    sys.exit(main())
