"""Graceful reload under load: `kill -HUP` of the gunicorn master while clients keep asking.

    .venv/bin/python -m bench.reload                       # SQLite, 60 s, a HUP every 5 s
    .venv/bin/python -m bench.reload --database-url postgresql://postgres@127.0.0.1/h16_bench

The app runs as in bench/load.py (`gunicorn -w 2 -k sync`, the bench data set); --clients
threads each GET the company dashboard (logged in) and the step page in a loop, one new
connection per request (sync workers close it). Every --every seconds the master gets SIGHUP:
it starts new workers and lets the old ones finish their requests. Any answer other than
200, and any connection error or timeout, is a failed request (goal: 0).
"""

import argparse
import collections
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

from bench.load import ROOT, STEP, Server, login_cookie, server_environment, uptime


def client_loop(base, paths, cookie, stop, counts, failures, latencies):
    k = 0
    while not stop.is_set():
        path = paths[k % len(paths)]
        k += 1
        request = urllib.request.Request(base + path, headers={"Cookie": cookie})  # noqa: S310
        started = time.monotonic()
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                response.read()
                outcome = str(response.status)
        except urllib.error.HTTPError as exc:
            outcome = str(exc.code)
        except Exception as exc:  # noqa: BLE001 - every failure is counted by kind
            outcome = type(exc).__name__
        latencies.append(time.monotonic() - started)
        counts[outcome] += 1
        if outcome != "200":
            failures.append((time.strftime("%H:%M:%S"), path, outcome))


def report(url, args, load_before, hups, counts, failures, latencies):
    total = sum(counts.values())
    latencies.sort()
    p99 = latencies[int(len(latencies) * 0.99)] * 1000 if latencies else 0
    print(f"database: {url.split(':')[0]}  {args.clients} clients, {args.seconds} s")
    print(f"gunicorn -w 2 -k sync {args.gunicorn_args}".rstrip())
    print(f"load before: {load_before}")
    print(f"load after:  {uptime()}")
    print(f"SIGHUPs sent: {hups}; requests: {total}; by outcome: {dict(counts)}")
    print(
        f"failed requests: {len(failures)}; max latency {latencies[-1] * 1000:.0f} ms, "
        f"p99 {p99:.0f} ms"
    )
    for failure in failures[:20]:
        print("  failed:", *failure, flush=True)


def stop_server(server):
    """SIGTERM, then SIGKILL: on this machine a master that had just reloaded sometimes took
    minutes to act on SIGTERM/SIGINT (bench/README.md)."""
    os.killpg(server.process.pid, signal.SIGTERM)
    try:
        server.process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(server.process.pid, signal.SIGKILL)
        server.process.wait(timeout=30)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url")
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--every", type=float, default=5.0)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--gunicorn-args", default="", help="extra gunicorn options, one string")
    args = parser.parse_args(argv)
    workdir, url, env = server_environment("dx-reload-", args.database_url)
    from bench.dataset import EMAIL, PASSWORD, create_bench_app

    _, ids = create_bench_app(url)
    server = Server("wsgi:app", env, workdir, ROOT, args.gunicorn_args.split())
    paths = [f"/companies/{ids['company']}", f"/assessments/{ids['draft']}/steps/{STEP}"]
    cookie = login_cookie(server.base, EMAIL, PASSWORD, paths[1])
    load_before = uptime()
    stop, counts, failures, latencies = threading.Event(), collections.Counter(), [], []
    threads = [
        threading.Thread(
            target=client_loop,
            args=(server.base, paths, cookie, stop, counts, failures, latencies),
        )
        for _ in range(args.clients)
    ]
    for t in threads:
        t.start()
    hups, deadline = 0, time.monotonic() + args.seconds
    try:
        while time.monotonic() < deadline:
            time.sleep(args.every)
            os.kill(server.process.pid, signal.SIGHUP)  # the master: a graceful reload
            hups += 1
        time.sleep(args.every)  # the last reload's old workers finish under load too
    finally:
        stop.set()
        for t in threads:
            t.join()
        report(url, args, load_before, hups, counts, failures, latencies)
        stop_server(server)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
