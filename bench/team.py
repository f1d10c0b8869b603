"""The team divergence page with 10 participants (every item rated) against the same-run
baselines of bench/run.py (a bare Flask endpoint, and T: one query plus a 35-row template) and
the step page of the same app. Goal (issue 17): the step page's, >= 40% of T's throughput.

Run: .venv/bin/python -m bench.team  (--participants 10 --seconds 2 --rounds 5)
"""

import argparse
import os
import re
import sys
import tempfile

from bench.run import T_NAME, hello_app, interleaved_medians, print_ratios, real_app, t_app

PERSPECTIVES = ("executive", "business", "dx_dept", "it_dept", "other")


def add_team(app, aid: int, participants: int) -> None:
    from app.auth.users import create_user
    from app.extensions import db
    from app.models import Assessment, Membership, User
    from app.team import services as team
    from questionnaires import load_index

    with app.app_context():
        assessment = db.session.get(Assessment, aid)
        owner = db.session.scalar(db.select(User).where(User.email == "bench@example.jp"))
        index = load_index(assessment.index_version)
        team.start(assessment, owner)
        for n in range(participants):
            user = create_user(f"p{n}@bench.example", "bench passphrase 123")
            db.session.add(
                Membership(company_id=assessment.company_id, user_id=user.id, role="viewer")
            )
            db.session.commit()
            participant = team.add_participant(
                assessment, user.id, PERSPECTIVES[n % 5], [s.id for s in index.steps], owner
            )
            views = {
                item.id: {"current": (n + k) % 6, "target": 5, "note": "理由のメモ"}
                for k, item in enumerate(index.items)
            }
            team.save_view(assessment, participant, views)
            team.submit_view(assessment, participant)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=2.0, help="per subject per round")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    tmpdir = tempfile.mkdtemp(prefix="dx-bench-team-")

    hello = hello_app().test_client()
    t_client = t_app(os.path.join(tmpdir, "t.sqlite3")).test_client()
    app, aid = real_app(tmpdir)
    add_team(app, aid, args.participants)
    client = app.test_client()
    page = client.get("/login")
    token = re.search(
        r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page.get_data(as_text=True)
    ).group(1)
    client.post(
        "/login",
        data={"email": "bench@example.jp", "password": "bench passphrase 123", "csrf_token": token},
    )
    divergence_url = f"/assessments/{aid}/team/divergence"
    step_url = f"/assessments/{aid}/steps/it-system"
    body = client.get(divergence_url).get_data(as_text=True)
    assert body.count('<th scope="col">') > args.participants, "the page lists the participants"
    assert client.get(step_url).status_code == 200

    label = f"divergence GET ({args.participants} participants)"
    subjects = {
        "hello": lambda: hello.get("/"),
        T_NAME: lambda: t_client.get("/"),
        "step GET (9 items)": lambda: client.get(step_url),
        label: lambda: client.get(divergence_url),
    }
    rps = interleaved_medians(subjects, args.rounds, args.seconds)
    print(f"divergence / step: {rps[label] / rps['step GET (9 items)']:.3f}")
    return print_ratios(rps, {"step GET (9 items)": 0.40, label: 0.40})


if __name__ == "__main__":
    sys.exit(main())
