"""Benchmarks, in-process (Flask test client, no network), reported as ratios against
baselines measured in the same run, because this machine is shared and noisy.

Baselines (as in shared/design/reliability-security-performance.md section 3):
- hello: a bare Flask endpoint;
- T: one SQL query plus a Jinja template with a 35-row form (2 selects + 1 textarea per row).

Pages of the real app are measured through the same test client, with a logged-in session,
access checks, CSRF and the progress panel. Rounds are interleaved (hello, T, pages, hello,
...) and the median round counts, so a burst of load elsewhere hits every subject alike.

Goals (design doc, P1 and P4, translated to in-process ratios):
- step GET of the real app >= 40% of T's throughput;
- review page (all 35 answers) >= 40% of T;
- step save (validation + version check + upsert + commit) >= 50% of T's throughput is NOT
  the doc's goal (that compares with a bare save); we report it against T for tracking.
Run: make bench  (or .venv/bin/python -m bench.run --seconds 2 --rounds 5)
"""

import argparse
import os
import re
import sqlite3
import statistics
import sys
import tempfile
import time

from flask import Flask

T_TEMPLATE = """<!doctype html><html><body><form method=post><table>
{% for row in rows %}<tr><th>{{ row[0] }} {{ row[1] }}</th>
<td><select name="c{{ loop.index }}">{% for v in range(6) %}<option value="{{ v }}"
{% if v == row[2] %} selected{% endif %}>{{ v }}</option>{% endfor %}</select></td>
<td><select name="t{{ loop.index }}">{% for v in range(6) %}<option value="{{ v }}"
{% if v == row[3] %} selected{% endif %}>{{ v }}</option>{% endfor %}</select></td>
<td><textarea name="e{{ loop.index }}">{{ row[4] }}</textarea></td></tr>{% endfor %}
</table></form></body></html>"""


T_NAME = "T (1 query + 35-row template)"


def hello_app():
    app = Flask("hello")
    app.add_url_rule("/", "hello", lambda: "Hello, World!")
    return app


def t_app(path):
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE item(id INTEGER PRIMARY KEY, title TEXT)")
    con.execute("CREATE TABLE answer(item_id INT, cur INT, tgt INT, evidence TEXT)")
    con.executemany("INSERT INTO item VALUES (?, ?)", [(i, f"項目{i}") for i in range(1, 36)])
    con.executemany("INSERT INTO answer VALUES (?, 2, 4, '根拠')", [(i,) for i in range(1, 36)])
    con.commit()
    con.close()
    app = Flask("t")
    template = app.jinja_env.from_string(T_TEMPLATE)  # compiled once, as render_template would

    @app.route("/")
    def page():
        db = sqlite3.connect(path)
        rows = db.execute(
            "SELECT i.id, i.title, a.cur, a.tgt, a.evidence FROM item i "
            "LEFT JOIN answer a ON a.item_id = i.id ORDER BY i.id"
        ).fetchall()
        db.close()
        return template.render(rows=rows)

    return app


def real_app(tmpdir):
    os.environ.setdefault("SECRET_KEY", "bench-only")
    from app import create_app
    from app.assessments import services
    from app.auth.users import create_user
    from app.extensions import db
    from app.models import Company, Membership
    from questionnaires import load_index

    app = create_app(
        {
            "APP_ENV": "test",
            "SQLALCHEMY_DATABASE_URI": os.environ.get("BENCH_DATABASE_URL")
            or f"sqlite:///{tmpdir}/app.sqlite3",
            # Limits stay on (memory storage): the login path needs the limiter it counts with.
            "RATELIMIT_STORAGE_URI": "memory://",
        }
    )
    with app.app_context():
        db.drop_all()
        db.create_all()
        user = create_user("bench@example.jp", "bench passphrase 123")
        company = Company(
            name="ベンチ株式会社",
            prefecture_code="13",
            jsic_division="E",
            sme_sector="manufacturing_and_other",
            is_sole_proprietor=True,
        )
        db.session.add(company)
        db.session.add(Membership(company=company, user_id=user.id, role="owner"))
        db.session.commit()
        assessment = services.start_assessment(
            company, 2026, user, prefill=False, index_version="2019-07"
        )
        services.confirm_profile(assessment)
        for step in load_index("2019-07").steps:
            values = {
                i: {"current": 2, "target": 4, "evidence": "根拠の説明", "action": ""}
                for i in step.item_ids
            }
            services.save_step(assessment, step, values, 0, user)
        aid = assessment.id
    return app, aid


def measure(fn, seconds):
    n, start = 0, time.perf_counter()
    deadline = start + seconds
    while time.perf_counter() < deadline:
        fn()
        n += 1
    return n / (time.perf_counter() - start)


def interleaved_medians(subjects: dict, rounds: int, seconds: float) -> dict:
    """Requests per second of each subject: rounds interleaved (so the machine's load falls on
    every subject alike), the median of the rounds."""
    measured = {name: [] for name in subjects}
    for _ in range(rounds):
        for name, fn in subjects.items():
            measured[name].append(measure(fn, seconds))
    return {name: statistics.median(values) for name, values in measured.items()}


def print_ratios(rps: dict, goals: dict, baseline: str = T_NAME) -> int:
    """The table of rates and their ratios to hello and T; 1 if a goal (ratio to T) is missed."""
    t_rps = rps[baseline]
    print(f"{'subject':34} {'req/s':>9} {'vs hello':>9} {'vs T':>7}  goal")
    failed = False
    for name, value in rps.items():
        ratio = value / t_rps
        goal = goals.get(name)
        verdict = (
            ""
            if goal is None
            else (f">= {goal:.2f} ok" if ratio >= goal else f">= {goal:.2f} MISSED")
        )
        failed |= goal is not None and ratio < goal
        print(f"{name:34} {value:9.1f} {value / rps['hello']:9.3f} {ratio:7.3f}  {verdict}")
    return 1 if failed else 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="per subject per round")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    tmpdir = tempfile.mkdtemp(prefix="dx-bench-")

    hello = hello_app().test_client()
    t_client = t_app(os.path.join(tmpdir, "t.sqlite3")).test_client()
    app, aid = real_app(tmpdir)
    client = app.test_client()
    page = client.get("/login")
    token = re.search(
        r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page.get_data(as_text=True)
    ).group(1)
    client.post(
        "/login",
        data={"email": "bench@example.jp", "password": "bench passphrase 123", "csrf_token": token},
    )
    step_url = f"/assessments/{aid}/steps/it-system"  # the largest step (9 items)
    assert client.get(step_url).status_code == 200

    from app.assessments.forms import field_name
    from questionnaires import load_index

    step = load_index("2019-07").step("it-system")

    def save():
        html = client.get(step_url).get_data(as_text=True)
        version = re.search(r'name="version" value="(\d+)"', html).group(1)
        # The token of the page being saved (a stale one would measure a CSRF redirect).
        page_token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
        data = {"csrf_token": page_token, "version": version, "nav": "next"}
        for item_id in step.item_ids:
            data.update(
                {
                    field_name(item_id, "current"): "3",
                    field_name(item_id, "target"): "4",
                    field_name(item_id, "evidence"): "更新した根拠",
                    field_name(item_id, "action"): "",
                }
            )
        response = client.post(step_url, data=data)
        assert response.status_code == 302, response.status_code

    subjects = {
        "hello": lambda: hello.get("/"),
        T_NAME: lambda: t_client.get("/"),
        "account GET (login + chrome only)": lambda: client.get("/account"),
        "step GET (9 items)": lambda: client.get(step_url),
        "review GET (35 answers)": lambda: client.get(f"/assessments/{aid}/review"),
        "step GET + save POST": save,
    }
    rps = interleaved_medians(subjects, args.rounds, args.seconds)
    goals = {"step GET (9 items)": 0.40, "review GET (35 answers)": 0.40}
    return print_ratios(rps, goals)


if __name__ == "__main__":
    sys.exit(main())
