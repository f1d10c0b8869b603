"""Open-loop run: simulated users with think time arrive on a fixed schedule (independent of how
fast the server answers) and each goes through a whole assessment, against gunicorn run with
deploy/gunicorn.conf.py; the T baseline (bench/baselines.py) is probed in the same run.

    .venv/bin/python -m bench.openloop --users 200 --minutes 10 \
        --database-url postgresql://postgres@127.0.0.1:5432/h16m_bench

Each user (an owner of a company of their own with a FY2026 draft, bench/dataset.py
journey_users) signs in (GET /login, POST, the page it redirects to), then for every step of
the index GETs the step page and POSTs its answers with the CSRF token and version taken from
that page, follows the redirect (the next step, then the KPI step), opens the review page,
submits with the review page's token and version, and opens the results page. Between a page
and the next action it thinks for an exponentially distributed time (mean --think s, cut to
1-30 s); a redirect is followed at once, as a browser does. Arrival times form a Poisson process
(seeded) spread over the run minus one mean journey, so the run's last users can finish; a user
still busy at the end of the run is stopped and counted as unfinished.

Probe: a GET of T every --probe seconds, on its own connection, for the whole run: T's latency
under the same machine load, the baseline the pages are compared with.

Reported: p50/p95/p99 of pages (GETs), saves (step POSTs and the submit), the sign-in POST
(argon2 on purpose, so kept apart) and T; errors (an unexpected status, a timeout or a refused
connection); the machine's load; the app workers' memory (RSS/PSS/USS) at the end.
"""

import argparse
import asyncio
import contextlib
import random
import re
import statistics
import sys
import time
from urllib.parse import urljoin

import httpx

from bench.dataset import PASSWORD
from bench.load import ROOT, Server, server_environment, uptime

TOKEN = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
VERSION = re.compile(r'name="version" (?:type="hidden" )?value="(\d+)"')
TIMEOUT = 30.0


class Recorder:
    def __init__(self):
        self.samples = {"page": [], "save": [], "login": [], "T": []}
        self.errors: list[str] = []
        self.finished = 0

    async def request(self, client, kind, method, url, expect, **kw):
        start = time.perf_counter()
        try:
            response = await client.request(method, url, timeout=TIMEOUT, **kw)
        except httpx.HTTPError as exc:
            self.errors.append(f"{kind} {method} {url}: {type(exc).__name__}")
            raise
        elapsed = (time.perf_counter() - start) * 1000
        self.samples[kind].append(elapsed)
        if response.status_code != expect:
            self.errors.append(f"{kind} {method} {url}: {response.status_code}")
            raise httpx.HTTPStatusError("unexpected", request=response.request, response=response)
        return response


def think(rng, mean):
    return min(30.0, max(1.0, rng.expovariate(1 / mean)))


async def journey(base, user, steps, rec: Recorder, rng, mean_think):
    async with httpx.AsyncClient(base_url=base) as c:
        page = await rec.request(c, "page", "GET", "/login", 200)
        await asyncio.sleep(think(rng, mean_think))
        data = {"email": user["email"], "password": PASSWORD, "csrf_token": token(page)}
        landed = await rec.request(c, "login", "POST", "/login", 302, data=data)
        where = landed.headers["location"]
        await rec.request(c, "page", "GET", where, 200, follow_redirects=True)
        await asyncio.sleep(think(rng, mean_think))
        url = f"/assessments/{user['assessment']}/steps/{steps[0][0]}"
        page = await rec.request(c, "page", "GET", url, 200)
        for step_id, items in steps:
            await asyncio.sleep(think(rng, mean_think))
            data = {"csrf_token": token(page), "version": version(page), "nav": "next"}
            for item in items:
                level = rng.randint(1, 3)
                data |= {
                    f"item-{item}-current": str(level),
                    f"item-{item}-target": str(level + 1),
                    f"item-{item}-evidence": "根拠の説明",
                    f"item-{item}-action": "",
                }
            path = f"/assessments/{user['assessment']}/steps/{step_id}"
            saved = await rec.request(c, "save", "POST", path, 302, data=data)
            page = await rec.request(
                c, "page", "GET", urljoin(path, saved.headers["location"]), 200
            )
        # The last step led to the KPI step (optional): the user goes on to the review.
        await asyncio.sleep(think(rng, mean_think))
        page = await rec.request(c, "page", "GET", f"/assessments/{user['assessment']}/review", 200)
        await asyncio.sleep(think(rng, mean_think))
        data = {"csrf_token": token(page), "version": version(page)}
        done = await rec.request(
            c, "save", "POST", f"/assessments/{user['assessment']}/submit", 302, data=data
        )
        await rec.request(c, "page", "GET", done.headers["location"], 200)
    rec.finished += 1


def token(page) -> str:
    return TOKEN.search(page.text).group(1)


def version(page) -> str:
    return VERSION.search(page.text).group(1)


async def probe(base, rec: Recorder, every, stop_at):
    async with httpx.AsyncClient(base_url=base) as c:
        while time.monotonic() < stop_at:
            with contextlib.suppress(httpx.HTTPError):
                await rec.request(c, "T", "GET", "/", 200)
            await asyncio.sleep(every)


async def run(app_base, t_base, users, steps, args):
    rec = Recorder()
    rng = random.Random(args.seed)
    start = time.monotonic()
    stop_at = start + args.minutes * 60
    spread = max(1.0, args.minutes * 60 - args.think * (2 * len(steps) + 6))
    arrivals, t = [], 0.0
    for _ in users:
        t += rng.expovariate(len(users) / spread)
        arrivals.append(min(t, spread))

    async def one(user, at):
        await asyncio.sleep(at)
        try:
            await journey(app_base, user, steps, rec, random.Random(rng.random()), args.think)
        except httpx.HTTPError:
            pass  # recorded
        except AttributeError as exc:  # a page without the form the user needed
            rec.errors.append(f"page without a form: {exc}")

    tasks = [asyncio.create_task(one(u, a)) for u, a in zip(users, arrivals, strict=True)]
    probe_task = asyncio.create_task(probe(t_base, rec, args.probe, stop_at))
    done, pending = await asyncio.wait(tasks, timeout=max(0.0, stop_at - time.monotonic()))
    for task in pending:
        task.cancel()
    await probe_task
    return rec, len(pending), time.monotonic() - start


def pct(values, p):
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * len(values) + 0.5)) - 1)]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url")
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--think", type=float, default=6.0, help="mean think time, seconds")
    parser.add_argument("--probe", type=float, default=1.0, help="seconds between T probes")
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--workers", type=int, help="override the config's worker count")
    args = parser.parse_args(argv)
    workdir, url, env = server_environment("dx-openloop-", args.database_url)
    # Every simulated user signs in from 127.0.0.1: the per-address throttle would stop them.
    env |= {"LOGIN_IP_LIMITS": "100000 per hour", "LOGIN_LIMITS": "100000 per hour"}
    from bench import baselines
    from bench.dataset import create_bench_app, journey_users
    from questionnaires import load_index

    app, _ = create_bench_app(url)
    with app.app_context():
        users = journey_users(args.users)
    baselines.prepare()
    steps = [(s.id, list(s.item_ids)) for s in load_index("2019-07").steps]
    config = ["-c", str(ROOT / "deploy" / "gunicorn.conf.py")]
    if args.workers:
        config += ["-w", str(args.workers)]
    app_server = Server("wsgi:app", env, workdir, ROOT, config)
    t_server = Server("bench.baselines:t", env, workdir, ROOT)
    load_before = uptime()
    print(
        f"database: {url.split(':')[0]}  users {args.users}, {args.minutes:g} min, think "
        f"{args.think:g} s mean; gunicorn -c deploy/gunicorn.conf.py"
        f"{' -w ' + str(args.workers) if args.workers else ''}"
    )
    print(f"load before: {load_before}", flush=True)
    try:
        rec, unfinished, wall = asyncio.run(run(app_server.base, t_server.base, users, steps, args))
        memory = app_server.worker_memory_mb()
    finally:
        app_server.stop()
        t_server.stop()
    print(f"load after:  {uptime()}")
    report(rec, unfinished, wall, memory)
    with app.app_context():
        print(
            f"submitted in the database: {submitted_count(users)} (journeys finished "
            f"{rec.finished}; a user cut at the end may have submitted before the cut)"
        )
    return 0


def submitted_count(users) -> int:
    from app.extensions import db
    from app.models import Assessment

    ids = [u["assessment"] for u in users]
    query = db.select(db.func.count()).where(
        Assessment.id.in_(ids), Assessment.status == "submitted"
    )
    return db.session.scalar(query)


def report(rec: Recorder, unfinished, wall, memory):
    total = sum(len(v) for k, v in rec.samples.items() if k != "T")
    print(
        f"{total} requests in {wall:.0f} s ({total / wall:.1f}/s); journeys finished "
        f"{rec.finished}, cut at the end {unfinished}; errors {len(rec.errors)}"
    )
    t95 = pct(rec.samples["T"], 95)
    print("| kind | n | p50 ms | p95 ms | p99 ms | max ms | p95 × T p95 |")
    print("|---|---|---|---|---|---|---|")
    for kind, values in rec.samples.items():
        print(
            f"| {kind} | {len(values)} | {statistics.median(values) if values else 0:.1f} | "
            f"{pct(values, 95):.1f} | {pct(values, 99):.1f} | {max(values, default=0):.1f} | "
            f"{pct(values, 95) / t95:.2f} |"
        )
    everything = [v for k, vs in rec.samples.items() if k != "T" for v in vs]
    print(f"all app requests: p99 {pct(everything, 99):.1f} ms")
    for error in rec.errors[:20]:
        print("  error:", error)
    print(
        "app workers at the end (RSS/PSS/USS MB): "
        + ", ".join(f"{m['rss']:.0f}/{m['pss']:.0f}/{m['uss']:.0f}" for m in memory)
    )


if __name__ == "__main__":
    sys.exit(main())
