"""The advisor's client portfolio with 300 clients, against the same-run baselines of
bench/run.py (a bare Flask endpoint, and T: one query plus a 35-row template).

Each client has a submitted year three years back, one last year, a draft this year (a varying
number of answers), an indicator without the last actual and a review point, so every column of
the list is computed. The goal is the step page's (design doc P1, bench/run.py): the list with
300 clients at >= 40% of T's throughput. The list reads the stored company summaries and shows
one page (PER_PAGE rows) sorted and filtered in SQL; the portfolio view is measured as well.

Run: .venv/bin/python -m bench.portfolio  (--clients 300 --seconds 2 --rounds 5)
"""

import argparse
import os
import re
import sys
import tempfile
from decimal import Decimal

from app.advisors.portfolio import PER_PAGE
from bench.run import T_NAME, hello_app, interleaved_medians, print_ratios, t_app

GOALS = {"advisor clients (300)": 0.40}


ADVISOR_EMAIL, ADVISOR_PASSWORD = "advisor@bench.example", "bench passphrase 123"


def portfolio_app(tmpdir, clients: int):
    os.environ.setdefault("SECRET_KEY", "bench-only")
    from app import create_app
    from app.extensions import db

    app = create_app(
        {
            "APP_ENV": "test",
            "SQLALCHEMY_DATABASE_URI": os.environ.get("BENCH_DATABASE_URL")
            or f"sqlite:///{tmpdir}/portfolio.sqlite3",
            "RATELIMIT_STORAGE_URI": "memory://",  # the login path needs a limiter
        }
    )
    with app.app_context():
        db.drop_all()
        db.create_all()
        add_portfolio(clients)
    return app


def add_portfolio(clients: int) -> None:
    """An advisor (ADVISOR_EMAIL) with ``clients`` granted clients and their owner, in the
    current app context (also bench/load.py's data). Summaries are computed by the first GET
    of the list."""
    from app.auth.users import create_user
    from app.companies.fiscal import fiscal_year_of, today_jst
    from app.extensions import db
    from app.models import Indicator, ReviewComment
    from tests.integration.portfolio_helpers import add_assessment, add_client

    fy = fiscal_year_of(today_jst(), 4)
    advisor = create_user(ADVISOR_EMAIL, ADVISOR_PASSWORD, role="advisor")
    owner = create_user("owner@bench.example", ADVISOR_PASSWORD)
    for i in range(clients):
        company = add_client(
            advisor,
            f"顧客{i:03d}株式会社",
            owner,
            prefecture=f"{1 + i % 47:02d}",
            jsic="EIDG"[i % 4],
            employees=(i * 7) % 400,
        )
        add_assessment(company, fy - 3, 1 + i % 3)
        last = add_assessment(company, fy - 1, 1 + (i + 1) % 4)
        add_assessment(company, fy, 2, status="draft", answered=i % 36)
        db.session.add(ReviewComment(assessment_id=last.id, item_id="1", body="指摘"))
        db.session.add(
            Indicator(
                company_id=company.id,
                name="DX人材の数",
                definition="年度末の人数",
                value_type="people",
                unit="人",
                direction="higher",
                baseline_year=fy - 3,
                baseline_value=Decimal(5),
                target_year=fy,
                target_value=Decimal(20),
            )
        )
    db.session.commit()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=300)
    parser.add_argument("--seconds", type=float, default=2.0, help="per subject per round")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    tmpdir = tempfile.mkdtemp(prefix="dx-bench-portfolio-")

    hello = hello_app().test_client()
    t_client = t_app(os.path.join(tmpdir, "t.sqlite3")).test_client()
    client = portfolio_app(tmpdir, args.clients).test_client()
    page = client.get("/login")
    token = re.search(
        r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page.get_data(as_text=True)
    ).group(1)
    client.post(
        "/login",
        data={
            "email": ADVISOR_EMAIL,
            "password": ADVISOR_PASSWORD,
            "csrf_token": token,
        },
    )
    listing = client.get("/advisor/clients")  # (also computes the new clients' summaries)
    assert listing.status_code == 200
    shown = listing.get_data(as_text=True).count("<tr") - 1
    assert shown == min(args.clients, PER_PAGE), shown

    label = f"advisor clients ({args.clients})"
    subjects = {
        "hello": lambda: hello.get("/"),
        T_NAME: lambda: t_client.get("/"),
        label: lambda: client.get("/advisor/clients"),
        f"filtered + sorted ({args.clients})": lambda: client.get(
            "/advisor/clients?behind=1&sort=current&dir=desc"
        ),
        f"portfolio view ({args.clients})": lambda: client.get("/advisor/portfolio"),
    }
    rps = interleaved_medians(subjects, args.rounds, args.seconds)
    goals = {label: GOALS.get("advisor clients (300)")} if args.clients == 300 else {}
    return print_ratios(rps, goals)


if __name__ == "__main__":
    sys.exit(main())
