"""Worker memory with the page caches full: one gunicorn worker (deploy/gunicorn.conf.py,
preloaded) serves the company pages of many companies, so that every per-worker store of drawn
parts fills to its bound; its RSS / PSS / USS are printed as it goes.

    .venv/bin/python -m bench.full_caches --database-url postgresql://postgres@127.0.0.1/h16_fill

bench/portfolio.py's data (--companies clients of one owner, each with two submitted years, a
draft, an indicator); the owner requests, per company, the dashboard, progress, history and
KPI detail pages, both submitted years' results, the draft's review and two of its steps (each
a sidebar), then the same again in English (``?lang=en`` stores the choice; the drawings are
per language), so results (2 x 2 x companies), progress (2 x companies), sidebars and KPI charts
pass their bounds with the defaults at 300 companies. A soak (bench/soak.py) requests one
company's pages and never fills them.
"""

import argparse
import http.cookiejar
import re
import sys
import time
import urllib.parse
import urllib.request

from bench.load import ROOT, Server, server_environment, uptime
from bench.portfolio import ADVISOR_PASSWORD

OWNER = "owner@bench.example"


def fill(url: str, companies: int) -> dict:
    """The data, and per company the pages to request."""
    from app import create_app
    from app.extensions import db
    from app.models import Assessment, Indicator
    from bench.portfolio import add_portfolio

    app = create_app({"APP_ENV": "test", "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        db.drop_all()
        db.create_all()
        add_portfolio(companies)
        pages = {}
        for a in db.session.scalars(db.select(Assessment).order_by(Assessment.id)):
            company = pages.setdefault(a.company_id, [])
            if a.status == "submitted":
                company.append(f"/assessments/{a.id}/results")
            else:
                company += [
                    f"/assessments/{a.id}/review",
                    f"/assessments/{a.id}/steps/vision",
                    f"/assessments/{a.id}/steps/it-system",
                ]
        for i in db.session.scalars(db.select(Indicator)):
            pages[i.company_id].append(f"/kpis/{i.id}")
        for company_id, paths in pages.items():
            paths += [
                f"/companies/{company_id}",
                f"/companies/{company_id}/progress",
                f"/companies/{company_id}/history",
            ]
    return pages


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url")
    parser.add_argument("--companies", type=int, default=300)
    parser.add_argument("--gunicorn-args", default="-c deploy/gunicorn.conf.py --max-requests 0")
    args = parser.parse_args(argv)
    workdir, url, env = server_environment("dx-fill-", args.database_url)
    pages = fill(url, args.companies)
    server = Server("wsgi:app", env, workdir, ROOT, [*args.gunicorn_args.split(), "-w", "1"])
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    html = opener.open(server.base + "/login").read().decode()
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html).group(1)
    login = {"email": OWNER, "password": ADVISOR_PASSWORD, "csrf_token": token}
    opener.open(server.base + "/login", urllib.parse.urlencode(login).encode()).read()
    print(f"database: {url.split(':')[0]}  {args.companies} companies, 1 worker")
    print(f"load before: {uptime()}", flush=True)
    requests, errors = 0, 0

    def memory(label):
        m = server.worker_memory_mb()[0]
        print(
            f"{time.strftime('%H:%M:%S')} {label:28} {requests:6} requests  worker "
            f"{m['rss']:.0f}/{m['pss']:.0f}/{m['uss']:.0f} MB (RSS/PSS/USS)",
            flush=True,
        )

    try:
        memory("start")
        for language in ("ja", "en"):
            first = next(iter(pages.values()))[0]
            opener.open(f"{server.base}{first}?lang={language}").read()
            for n, paths in enumerate(pages.values(), 1):
                for path in paths:
                    try:
                        opener.open(server.base + path).read()
                    except urllib.error.HTTPError as error:
                        errors += 1
                        print("  ", path, error.code)
                    requests += 1
                if n % 50 == 0:
                    memory(f"{language}: {n} companies")
        # the same pages once more: hits, so the figure is what the full stores hold
        for paths in list(pages.values())[-20:]:
            for path in paths:
                opener.open(server.base + path).read()
                requests += 1
        memory("end")
    finally:
        server.stop()
    print(f"load after: {uptime()}; errors {errors}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
