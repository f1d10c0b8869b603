"""Soak: the app's pages under steady load for a long time, worker memory sampled.

    .venv/bin/python -m bench.soak --minutes 30 --database-url postgresql://postgres@127.0.0.1/h16_bench

`gunicorn -w 2 -k sync` (as bench/load.py) with the bench data set; wrk (-c 4) runs each
company page in turn for --chunk seconds; after every chunk the two workers' resident memory is
printed (RSS, and PSS/USS from /proc/PID/smaps_rollup). Growth is judged from the first sample
after the warm-up chunk to the last (goal: < 10 %). Errors (non-2xx/3xx, socket errors) are
summed. --gunicorn-args adds options (e.g. "--preload" for deploy/gunicorn.conf.py's forking).
"""

import argparse
import sys
import time

from bench.load import ROOT, STEP, Server, login_cookie, run_wrk, server_environment, uptime


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url")
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument("--chunk", type=int, default=30)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--gunicorn-args", default="")
    args = parser.parse_args(argv)
    workdir, url, env = server_environment("dx-soak-", args.database_url)
    from bench.dataset import EMAIL, PASSWORD, company_pages, create_bench_app

    _, ids = create_bench_app(url)
    server = Server("wsgi:app", env, workdir, ROOT, args.gunicorn_args.split())
    pages = company_pages(ids, STEP)
    cookie = login_cookie(server.base, EMAIL, PASSWORD, pages[0])
    print(
        f"database: {url.split(':')[0]}  {args.minutes} min, wrk -c{args.connections} "
        f"{args.gunicorn_args}"
    )
    print(f"load before: {uptime()}", flush=True)
    samples, uss, requests, errors, k = [], [], 0, 0, 0
    deadline = time.monotonic() + args.minutes * 60
    try:
        while time.monotonic() < deadline:
            path = pages[k % len(pages)]
            k += 1
            row = run_wrk(server.base, path, "get", [0], cookie, [], args.connections, args.chunk)
            requests += round(row["rps"] * args.chunk)
            errors += row["non_2xx_3xx"]
            if row["socket_errors"]:
                print("  socket errors:", row["socket_errors"])
            memory = server.worker_memory_mb()
            samples.append(max(m["rss"] for m in memory))
            uss.append(max(m["uss"] for m in memory))
            print(
                f"{time.strftime('%H:%M:%S')} {path:40} {row['rps']:6.1f} req/s  workers "
                + ", ".join(f"{m['rss']:.0f}/{m['pss']:.0f}/{m['uss']:.0f}" for m in memory)
                + f" MB (RSS/PSS/USS)  ~{requests} requests",
                flush=True,
            )
    finally:
        server.stop()
    first, last = samples[1] if len(samples) > 1 else samples[0], samples[-1]
    print(f"load after: {uptime()}")
    print(
        f"requests ~{requests}, errors {errors}; worker RSS after warm-up {first:.0f} MB, "
        f"at the end {last:.0f} MB, peak {max(samples):.0f} MB: growth "
        f"{(last - first) / first * 100:+.1f} % (goal < 10 %); USS after warm-up "
        f"{uss[min(1, len(uss) - 1)]:.0f} MB, at the end {uss[-1]:.0f} MB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
